// Sample BCD and WMD models used by the document tests (and to produce the
// examples in docs/formats/examples/).
#ifndef SHADOWPORT_TESTS_UNIT_DOCUMENT_SAMPLES_H_
#define SHADOWPORT_TESTS_UNIT_DOCUMENT_SAMPLES_H_

#include "shadowport/bcd.h"
#include "shadowport/wmd.h"

namespace sp::testing_samples {

// A PostgreSQL-like writer: a database component with data and WAL files, a
// file group for the WAL archive, include/exclude lists, a restore method.
WriterMetadata SampleWmd();

// A transportable backup of two volumes by two writers, after DoSnapshotSet.
BackupComponentsDocument SampleBcd();

}  // namespace sp::testing_samples

#endif  // SHADOWPORT_TESTS_UNIT_DOCUMENT_SAMPLES_H_
