"""The TLS context of the SMTP listener: the PEM files given, or a self-signed certificate made at
start-up for localhost, 127.0.0.1, ::1 and the host name (kept in memory only)."""

import datetime
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile


def context(cert_file: str | None, key_file: str | None) -> ssl.SSLContext:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if cert_file:
        tls.load_cert_chain(cert_file, key_file or None)
        return tls
    from ..domain import clock  # here: the child process that makes the certificate needs no domain

    # A certificate is valid in real time, whatever an account's clock says.
    cert_pem, key_pem = _self_signed_elsewhere(clock.real_time())
    # ssl loads chains from files only: a private temporary folder, removed as soon as it is read.
    with tempfile.TemporaryDirectory(prefix="sc-emulator-tls-") as folder:
        cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        with open(cert_path, "wb") as out:
            out.write(cert_pem)
        with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
            out.write(key_pem)
        tls.load_cert_chain(cert_path, key_path)
    return tls


def _self_signed_elsewhere(now: datetime.datetime) -> tuple[bytes, bytes]:
    """self_signed() in a child process: the `cryptography` package costs the server ~12 MB of
    memory for good once imported, for a certificate made once."""
    try:
        code = ("import datetime, json, sys; from sendcloud_emulator.smtp.tls import self_signed; "
                "now = datetime.datetime.fromisoformat(sys.argv[1]); "
                "print(json.dumps([p.decode('ascii') for p in self_signed(now)]))")
        done = subprocess.run([sys.executable, "-c", code, now.isoformat()],
                              capture_output=True, text=True, timeout=120, check=True)
        cert_pem, key_pem = json.loads(done.stdout)
        return cert_pem.encode("ascii"), key_pem.encode("ascii")
    except (OSError, ValueError, subprocess.SubprocessError):  # no usable interpreter (embedded): here then
        return self_signed(now)


def self_signed(now: datetime.datetime) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())  # fast to make, accepted by every current client
    host = socket.gethostname()
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             x509.IPAddress(ipaddress.ip_address("::1"))]
    if host and host != "localhost":
        names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sendcloud-emulator")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
