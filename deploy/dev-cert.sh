#!/bin/sh
# A self-signed certificate for trying the HTTP/2 listener locally (browsers
# use HTTP/2 only over TLS). Production: mount a real certificate instead.
# Usage: deploy/dev-cert.sh [directory]   (default: deploy/nginx/certs)
set -eu
dir="${1:-$(dirname "$0")/nginx/certs}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
  -subj '/CN=localhost' \
  -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
# nginx reads the key as root before dropping privileges; 0640 keeps it private.
chmod 0640 "$dir/tls.key"
echo "wrote $dir/tls.crt and $dir/tls.key"
