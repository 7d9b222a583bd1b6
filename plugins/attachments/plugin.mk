PLUGIN_LIBS_attachments = -lnettle
PLUGIN_PKGS += nettle-dev
# make fuzz-plugins: the records go nowhere; the walk and the hashes run.
FUZZ_ARGS_attachments = log=/dev/null
# smtpscope's writer of whole records (a full disk never cuts a line),
# its header included as the program's own are, from src/.
PLUGIN_SRC_attachments = src/lib/recfile.c src/lib/util.c
PLUGIN_CFLAGS_attachments = -Isrc
