#!/bin/sh
# Run by the nginx image's entrypoint before it renders the templates: the gateway's logs, kept
# relative to its prefix by the template, go to the container's stdout and stderr.
set -eu
ln -sf /dev/stdout "$NGINX_ENVSUBST_OUTPUT_DIR/access.log"
ln -sf /dev/stderr "$NGINX_ENVSUBST_OUTPUT_DIR/error.log"
