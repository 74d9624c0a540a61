"""C2PA test material made on the fly: an ES256 test CA, a leaf signing certificate, signed media.

The provenance tests must run on a fresh clone, so nothing is downloaded: the CA and the leaf are
generated with `cryptography` (the leaf carries the C2PA certificate profile: not self-signed,
CA:FALSE, digitalSignature key usage, an emailProtection EKU) and media is signed with
c2pa-python's own Builder. Tampering flips bytes in the picture data after signing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = DST + "trainedAlgorithmicMedia"
COMPOSITE = DST + "compositeWithTrainedAlgorithmicMedia"
CAPTURE = DST + "digitalCapture"


@dataclass(frozen=True)
class SigningCA:
    ca_pem: bytes  # the root: what a verifier configures as its trust anchor
    chain_pem: bytes  # leaf then root, as the signer embeds it
    key_pem: bytes  # the leaf's private key (PKCS#8)

    def write_anchor(self, folder: Path) -> Path:
        path = folder / "anchors.pem"
        path.write_bytes(self.ca_pem)
        return path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "jikimi tests"),
        ]
    )


def make_test_ca() -> SigningCA:
    """A fresh root CA and a C2PA-profile leaf certificate it issued (both ECDSA P-256)."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("jikimi test root"))
        .issuer_name(_name("jikimi test root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("jikimi test signer"))
        .issuer_name(ca_cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=29))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningCA(
        ca_pem=ca_cert.public_bytes(pem),
        chain_pem=leaf_cert.public_bytes(pem) + ca_cert.public_bytes(pem),
        key_pem=leaf_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def manifest_declaring(
    source_type: str, generator: str = "jikimi-test-generator"
) -> dict[str, Any]:
    """A manifest definition whose only action is `c2pa.created` with this digitalSourceType."""
    return {
        "claim_generator_info": [{"name": generator, "version": "0.1"}],
        "title": "jikimi provenance test",
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": source_type}]},
            }
        ],
    }


def sign(data: bytes, content_type: str, ca: SigningCA, source_type: str = TRAINED) -> bytes:
    """`data` with an embedded C2PA manifest declaring `source_type`, signed by `ca`'s leaf."""
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, ca.chain_pem, ca.key_pem, None)
    offline = c2pa.Context.from_dict(
        {"verify": {"verify_after_sign": False, "remote_manifest_fetch": False}}
    )
    with (
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(manifest_declaring(source_type), context=offline) as builder,
    ):
        dest = io.BytesIO()
        builder.sign(signer, content_type, io.BytesIO(data), dest)
    offline.close()
    return dest.getvalue()


def tamper_jpeg(signed: bytes) -> bytes:
    """Flip bytes inside the entropy-coded picture data (after the last SOS marker)."""
    start = signed.rindex(b"\xff\xda")
    spot = start + (len(signed) - start) // 2
    damaged = bytearray(signed)
    for offset in range(8):
        if damaged[spot + offset] < 0xFE:  # never create or break a 0xFF marker byte
            damaged[spot + offset] ^= 0x01
    return bytes(damaged)
