"""deploy/nginx.conf made runnable here: Compose's host names and paths replaced by local ones.

Used by tests/config/test_deployment.py (``nginx -t``) and tests/config/test_stateless_web.py
(nginx in front of two gunicorn servers).
"""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None
    )


def self_signed(folder: Path, host: str = "musaada.example") -> None:
    """``fullchain.pem`` and ``privkey.pem`` of a throw-away certificate for ``host``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def render(
    folder: Path, upstreams: dict[str, str], *, http_port: int = 80, https_port: int = 443
) -> Path:
    """Write a runnable copy of deploy/nginx.conf in ``folder`` and return its path.

    ``upstreams`` maps each Compose web service (``web1``) to a local ``host:port``; the
    certificate, the static folder, the log and the listening ports are the folder's.
    """
    self_signed(folder)
    (folder / "static").mkdir(exist_ok=True)
    conf = NGINX_CONF.read_text()
    for service, address in upstreams.items():
        conf = conf.replace(f"server {service}:8000", f"server {address}")
    conf = conf.replace("/etc/nginx/tls/", f"{folder}/").replace(
        "/srv/static/", f"{folder}/static/"
    )
    conf = conf.replace("/var/log/nginx/access.log", f"{folder}/access.log")
    conf = re.sub(
        r"listen 80 default_server;", f"listen 127.0.0.1:{http_port} default_server;", conf
    )
    conf = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", conf)
    path = folder / "nginx.conf"
    path.write_text(conf)
    return path
