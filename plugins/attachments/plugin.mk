PLUGIN_LIBS_attachments = -lnettle
PLUGIN_PKGS += nettle-dev
# make fuzz-plugins: the records go nowhere; the walk and the hashes run.
FUZZ_ARGS_attachments = log=/dev/null
