package de.ehrenamtskarte.kit

import kotlinx.coroutines.delay

/**
 * Wall-clock time for the core, which never reads the clock itself (DESIGN.md). Injected so that
 * every timed behaviour of the kit (the 30-second QR refresh, how long a result stays on screen)
 * can be tested with a virtual clock.
 */
interface Clock {
    /** Unix time in seconds. */
    fun now(): Long

    /** Suspends until [now] is at least [epochSeconds]. */
    suspend fun sleepUntil(epochSeconds: Long)
}

object SystemClock : Clock {
    override fun now(): Long = System.currentTimeMillis() / 1000

    override suspend fun sleepUntil(epochSeconds: Long) {
        // Re-checks after waking, so a clock that moved while we slept does not cut the wait short.
        while (true) {
            val millis = epochSeconds * 1000 - System.currentTimeMillis()
            if (millis <= 0) return
            delay(millis)
        }
    }
}
