# postgres tests.
