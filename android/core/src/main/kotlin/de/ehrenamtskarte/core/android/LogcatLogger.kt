package de.ehrenamtskarte.core.android

import android.util.Log
import de.ehrenamtskarte.core.LogLevel
import de.ehrenamtskarte.core.Logger

/** The core's log records (which carry no personal data) to Logcat, tagged `ehk/<target>`. */
class LogcatLogger : Logger {
    override fun log(level: LogLevel, target: String, message: String) {
        val tag = "ehk/" + target.substringAfterLast("::").take(18)
        when (level) {
            LogLevel.ERROR -> Log.e(tag, message)
            LogLevel.WARN -> Log.w(tag, message)
            LogLevel.INFO -> Log.i(tag, message)
            LogLevel.DEBUG -> Log.d(tag, message)
            LogLevel.TRACE -> Log.v(tag, message)
        }
    }
}
