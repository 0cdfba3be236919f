#!/bin/sh
# Regenerates the small TLS hello captures used by tests/unit/tls (loopback only, bounded).
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# capture NAME PORT SERVER_ARGS CLIENT_ARGS: one s_server/s_client handshake on 127.0.0.1:PORT.
capture() {
  name=$1 port=$2 sargs=$3 cargs=$4
  timeout 20 tcpdump -i lo -U -s 0 -w "$work/$name.pcap" "tcp port $port" 2>/dev/null &
  dump=$!
  sleep 1
  sleep 6 | timeout 10 openssl s_server -accept "127.0.0.1:$port" -cert "$work/cert.pem" \
    -key "$work/key.pem" -naccept 1 $sargs >/dev/null 2>&1 &
  server=$!
  sleep 1
  echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$port" $cargs >/dev/null 2>&1 || true
  wait $server || true
  sleep 1
  kill $dump; wait $dump || true
  # Keep only the handshake's first flights: the hellos are in the first few segments.
  tcpdump -r "$work/$name.pcap" -w "$name.pcap" -c 12 2>/dev/null
}

capture tls12_sni_alpn 24712 "-alpn dicom" \
  "-tls1_2 -servername pacs.example.org -alpn dicom,http/1.1 -cipher ECDHE-RSA-AES256-GCM-SHA384"
capture tls13_sni_alpn 24713 "-alpn dicom" \
  "-tls1_3 -servername pacs.example.org -alpn dicom -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
# The client offers an X25519 key share only; a P-256-only server answers HelloRetryRequest.
capture tls13_hello_retry 24714 "-groups P-256" \
  "-tls1_3 -servername pacs.example.org -groups X25519:P-256"

# DICOM over TLS (PS3.15 Annex B) as DCMTK does it: C-ECHO with mutual certificates.
timeout 20 tcpdump -i lo -U -s 0 -w "$work/dcmtk.pcap" "tcp port 24715" 2>/dev/null &
dump=$!
sleep 1
timeout 15 storescp +tls "$work/key.pem" "$work/cert.pem" +cf "$work/cert.pem" -pw 24715 \
  >/dev/null 2>&1 &
scp=$!
sleep 1
timeout 10 echoscu +tls "$work/key.pem" "$work/cert.pem" +cf "$work/cert.pem" -pw \
  127.0.0.1 24715 >/dev/null 2>&1
sleep 1
kill $scp $dump
wait $dump || true
tcpdump -r "$work/dcmtk.pcap" -w dcmtk_echo_tls.pcap -c 12 2>/dev/null
