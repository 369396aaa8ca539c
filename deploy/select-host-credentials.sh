#!/bin/sh
# Init container of a host pod: copies this pod's host credentials out of the Secret that holds every host's
# (ca.pem, <pod>.cert.pem, <pod>.key.pem) into the pod's own in-memory volume, as `faasmpi host --tls-dir`
# expects them (ca.pem, cert.pem, key.pem). The host container mounts only that volume, never the others' keys.
#   POD_NAME=faasmpi-host-0 select-host-credentials.sh FROM_DIR TO_DIR
set -eu
if [ $# -ne 2 ]; then
  echo "usage: POD_NAME=NAME $0 FROM_DIR TO_DIR" >&2
  exit 2
fi
from=$1 to=$2
id=${POD_NAME:-}
case "$id" in
  ''|*[!A-Za-z0-9._-]*|.*) echo "faasmpi: POD_NAME '$id' is not a host id (set it from the pod's metadata.name)" >&2; exit 2 ;;
esac
for f in ca.pem "$id.cert.pem" "$id.key.pem"; do
  if [ ! -f "$from/$f" ]; then
    echo "faasmpi: the host credentials Secret has no $f for host $id: issue one certificate per host pod (node dist/deploy/credentials.js) and apply again" >&2
    exit 1
  fi
done
umask 077
cp "$from/ca.pem" "$to/ca.pem"
cp "$from/$id.cert.pem" "$to/cert.pem"
cp "$from/$id.key.pem" "$to/key.pem"
chmod 0400 "$to/key.pem"
chmod 0444 "$to/ca.pem" "$to/cert.pem"
echo "faasmpi: credentials of host $id in $to"
