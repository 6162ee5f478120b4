// The running issuer service of the activation tests: scripts/test-bindings.sh starts it with
// scripts/service-fixture.sh and names its fixture.json in EHK_TEST_SERVICE_FIXTURE. Each suite
// takes its own letters (the Kotlin binding tests 3-5, the Android kit 9-11), so suites never
// activate the same card. A missing variable fails the test: activation is never skipped.
package de.ehrenamtskarte.testing

import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.Platform
import de.ehrenamtskarte.core.ProjectPin
import java.io.File

/** One card's activation letter, as the fixture wrote it. */
data class Letter(val cardId: Long, val holderName: String, val link: String, val code: String) {
    /** The code as a holder might type it: groups of four, lower case. */
    val typed: String get() = compact.chunked(4).joinToString(" ").lowercase()

    /** The 17 symbols without dashes. */
    val compact: String get() = code.replace("-", "").replace(" ", "")

    /** The code with one symbol changed: the check symbol catches it. */
    val typo: String get() = compact.replaceRange(3, 4, if (compact[3] == 'X') "Y" else "X")
}

class ServiceFixture(
    val url: String,
    val rootPublicKey: ByteArray,
    val projectId: UInt,
    val trustList: ByteArray,
    val letters: List<Letter>,
) {
    /** Letters [first], [first]+1, ..., [first]+[count]-1: a suite's own. */
    fun letters(first: Int, count: Int): List<Letter> {
        check(letters.size >= first + count) {
            "the service fixture has ${letters.size} letters; this suite needs letters $first..${first + count - 1}"
        }
        return letters.subList(first, first + count)
    }

    val pin: ProjectPin get() = ProjectPin(rootPublicKey = rootPublicKey, projectId = projectId, trustList = trustList)

    /** A phone's feed store pinned to the service's project. */
    fun openFeed(dir: File, name: String, now: Long): FeedStore =
        FeedStore.open(File(dir, "$name-feed.sqlite").path, pin, Platform.ANDROID, now)

    companion object {
        /** The fixture named by EHK_TEST_SERVICE_FIXTURE; throws (fails the test) without it. */
        fun load(): ServiceFixture {
            val path = System.getenv("EHK_TEST_SERVICE_FIXTURE")?.takeIf { it.isNotBlank() }
                ?: throw AssertionError(
                    "EHK_TEST_SERVICE_FIXTURE is not set: run scripts/test-bindings.sh, or start " +
                        "scripts/service-fixture.sh and export the path of its fixture.json",
                )
            @Suppress("UNCHECKED_CAST")
            val json = Json(File(path).readText()).value() as Map<String, Any?>
            val letters = (json["letters"] as List<*>).map {
                val letter = it as Map<*, *>
                Letter(
                    cardId = (letter["card_id"] as Number).toLong(),
                    holderName = letter["holder_name"] as String,
                    link = letter["link"] as String,
                    code = letter["code"] as String,
                )
            }
            return ServiceFixture(
                url = json["url"] as String,
                rootPublicKey = (json["root_public_key"] as String).chunked(2).map { it.toInt(16).toByte() }.toByteArray(),
                projectId = (json["project_id"] as Number).toInt().toUInt(),
                trustList = File(json["trust_list"] as String).readBytes(),
                letters = letters,
            )
        }
    }
}

/** The phone's clock: the service checks it against its own, so activation tests use real time. */
fun realNow(): Long = System.currentTimeMillis() / 1000

/** Just enough JSON for fixture.json (objects, arrays, strings, numbers, booleans, null). */
private class Json(private val text: String) {
    private var at = 0

    fun value(): Any? {
        skipSpace()
        val c = text.getOrNull(at) ?: error("JSON ends early")
        return when {
            c == '{' -> obj()
            c == '[' -> array()
            c == '"' -> string()
            text.startsWith("true", at) -> true.also { at += 4 }
            text.startsWith("false", at) -> false.also { at += 5 }
            text.startsWith("null", at) -> null.also { at += 4 }
            else -> number()
        }
    }

    private fun obj(): Map<String, Any?> {
        val map = LinkedHashMap<String, Any?>()
        expect('{')
        skipSpace()
        if (peek() == '}') return map.also { at++ }
        while (true) {
            skipSpace()
            val key = string()
            skipSpace()
            expect(':')
            map[key] = value()
            skipSpace()
            if (peek() == ',') at++ else return map.also { expect('}') }
        }
    }

    private fun array(): List<Any?> {
        val list = mutableListOf<Any?>()
        expect('[')
        skipSpace()
        if (peek() == ']') return list.also { at++ }
        while (true) {
            list += value()
            skipSpace()
            if (peek() == ',') at++ else return list.also { expect(']') }
        }
    }

    private fun string(): String {
        expect('"')
        val out = StringBuilder()
        while (true) {
            when (val c = text[at++]) {
                '"' -> return out.toString()
                '\\' -> when (val e = text[at++]) {
                    'n' -> out.append('\n')
                    't' -> out.append('\t')
                    'r' -> out.append('\r')
                    'b' -> out.append('\b')
                    'f' -> out.append('\u000c')
                    'u' -> out.append(text.substring(at, at + 4).toInt(16).toChar()).also { at += 4 }
                    else -> out.append(e)
                }
                else -> out.append(c)
            }
        }
    }

    private fun number(): Number {
        val start = at
        while (at < text.length && text[at] in "+-0123456789.eE") at++
        val literal = text.substring(start, at)
        return literal.toLongOrNull() ?: literal.toDoubleOrNull() ?: error("not a JSON value at $start")
    }

    private fun peek(): Char? = text.getOrNull(at)

    private fun expect(c: Char) {
        check(peek() == c) { "expected '$c' at $at in the fixture JSON" }
        at++
    }

    private fun skipSpace() {
        while (at < text.length && text[at].isWhitespace()) at++
    }
}
