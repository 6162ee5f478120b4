"""Checks an Ehrenamtskarte credential with pycose, an independent COSE implementation.

Usage: pycose_verify.py ISSUER_PUBLIC_KEY_HEX CREDENTIAL_FILE
Prints the claims as JSON when the signature verifies; exits 1 when it does not.
"""
import json
import sys

import cbor2
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage, Sign1Message
from pycose.headers import Algorithm, KID
from pycose.algorithms import EdDSA


def main() -> int:
    public_key = bytes.fromhex(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    message = CoseMessage.decode(data)
    if not isinstance(message, Sign1Message):
        print("not a COSE_Sign1", file=sys.stderr)
        return 2
    if message.phdr.get(Algorithm) is not EdDSA:
        print(f"unexpected algorithm {message.phdr.get(Algorithm)}", file=sys.stderr)
        return 2
    message.key = OKPKey(crv=Ed25519, x=public_key)
    if not message.verify_signature():
        print("signature does not verify", file=sys.stderr)
        return 1
    claims = cbor2.loads(message.payload)
    out = {str(k): (v.hex() if isinstance(v, bytes) else v) for k, v in claims.items()}
    out["kid"] = message.phdr.get(KID).hex()
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
