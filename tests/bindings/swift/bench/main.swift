// Per-verify cost through the Swift bindings (built with -O): a static card and a device-bound
// presentation, median over 21 batches of 500 verifies after a warm-up batch, in microseconds.
// Prints `BENCH swift static: <µs>` and `BENCH swift device-bound: <µs>`; no assertions on time.

import Dispatch
import EhkCore
import Foundation

let rounds = 21
let batch = 500

func medianMicros(_ body: () -> Bool) -> Double {
    var sink = 0
    for _ in 0..<batch where body() { sink += 1 } // warm-up
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<batch where body() { sink += 1 }
        let end = DispatchTime.now().uptimeNanoseconds
        samples.append(Double(end - start) / Double(batch) / 1000)
    }
    precondition(sink == (rounds + 1) * batch, "a verify in the benchmark did not say valid")
    samples.sort()
    return samples[rounds / 2]
}

do {
    let world = try World()
    let staticText = try world.issuer.issueCard(request: request("Erika Mustermann-Abt"), now: NOW).qrText
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    let bound = try world.issuer.issueCard(
        request: request("Erika Mustermann-Abt", deviceKey: try wallet.devicePublicKey()), now: NOW)
    _ = try wallet.addCard(qrText: bound.qrText, verifier: world.verifier, now: NOW)
    let live = try wallet.present(cardId: bound.cardId, now: NOW)
    let verifier = world.verifier
    let staticUs = medianMicros { verifier.verify(qrText: staticText, now: NOW).validCard != nil }
    let boundUs = medianMicros { verifier.verify(qrText: live, now: NOW).validCard != nil }
    print("BENCH swift static: \(String(format: "%.1f", staticUs))")
    print("BENCH swift device-bound: \(String(format: "%.1f", boundUs))")
} catch {
    print("bench setup failed: \(error)")
    exit(1)
}
