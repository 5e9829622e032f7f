# sp_embed_files(TARGET_SOURCE_VAR NAMESPACE FILE...)
#
# Turns each FILE into a `std::string_view` constant in a generated .cc, so the
# program carries its own copy (the XSD schemas are validated against without
# touching the filesystem at run time). The header is generated too; the
# constant is named after the file: bcd.xsd -> kBcdXsd.
set(SP_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)

function(sp_embed_files out_var name)
  set(generated_cc ${CMAKE_CURRENT_BINARY_DIR}/${name}.cc)
  set(generated_h ${CMAKE_CURRENT_BINARY_DIR}/${name}.h)
  string(REPLACE ";" "|" inputs "${ARGN}")
  add_custom_command(
    OUTPUT ${generated_cc} ${generated_h}
    COMMAND ${CMAKE_COMMAND} -DOUT_CC=${generated_cc} -DOUT_H=${generated_h}
            "-DINPUTS=${inputs}" -P ${SP_EMBED_SCRIPT}
    DEPENDS ${ARGN} ${SP_EMBED_SCRIPT}
    COMMENT "Embedding ${name}"
    VERBATIM)
  set(${out_var} ${generated_cc} ${generated_h} PARENT_SCOPE)
endfunction()
