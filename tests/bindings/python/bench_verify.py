"""Per-verify cost through the Python bindings, for the README table.
Prints `BENCH python <what>: <µs>` lines; run by scripts/bench-bindings.sh."""
import statistics
import time

import ehk
from test_story import NOW, DictKeyStore, request, world

ROUNDS, BATCH = 21, 500


def median_us(fn):
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(BATCH):
            fn()
        samples.append((time.perf_counter() - start) / BATCH * 1e6)
    return statistics.median(samples)


_, issuer, _, verifier = world()
static = issuer.issue_card(request("Erika Mustermann-Abt"), NOW).qr_text
wallet = ehk.Wallet.in_memory(DictKeyStore())
bound = issuer.issue_card(request("Erika Mustermann-Abt", wallet.device_public_key()), NOW)
wallet.add_card(bound.qr_text, verifier, NOW)
live = wallet.present(bound.card_id, NOW)
assert verifier.verify(static, NOW).is_valid() and verifier.verify(live, NOW).is_valid()
print(f"BENCH python static: {median_us(lambda: verifier.verify(static, NOW)):.1f}")
print(f"BENCH python device-bound: {median_us(lambda: verifier.verify(live, NOW)):.1f}")
