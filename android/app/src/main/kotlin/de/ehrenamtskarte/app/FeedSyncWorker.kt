package de.ehrenamtskarte.app

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import androidx.work.workDataOf
import de.ehrenamtskarte.kit.SyncRetry
import de.ehrenamtskarte.kit.SyncState
import java.util.concurrent.TimeUnit

/**
 * Background feed sync: the core's `FeedStore.sync` through the kit's [de.ehrenamtskarte.kit.FeedSyncer].
 * Network errors are retried with exponential backoff; everything else (a damaged or expired feed,
 * a security problem, a misconfigured app) waits for the next period, so a tampered feed is never
 * hammered. A failed sync leaves the database exactly as it was (the core's guarantee).
 */
class FeedSyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val finished = (applicationContext as EhkApplication).feed.sync() ?: return Result.success()
        return when (finished) {
            is SyncState.Synced -> Result.success()
            is SyncState.Failed -> when (finished.problem.retry) {
                SyncRetry.BACKOFF -> if (runAttemptCount < MAX_RETRIES) Result.retry() else Result.failure(problem(finished))
                // For periodic work a failure ends this run only; the next period runs as planned.
                SyncRetry.NEXT_PERIOD -> Result.failure(problem(finished))
            }
        }
    }

    private fun problem(failed: SyncState.Failed) = workDataOf(KEY_PROBLEM to failed.problem.name)

    companion object {
        private const val PERIODIC = "feed-sync"
        private const val FIRST = "feed-sync-first"
        private const val MAX_RETRIES = 8
        const val KEY_PROBLEM = "problem"

        private val constraints = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        /** Every ~12 hours while the network is up, plus one run at app start (cheap: a conditional GET). */
        fun schedule(context: Context) {
            val work = WorkManager.getInstance(context)
            val periodic = PeriodicWorkRequestBuilder<FeedSyncWorker>(12, TimeUnit.HOURS, 2, TimeUnit.HOURS)
                .setConstraints(constraints)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            work.enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, periodic)
            val first = OneTimeWorkRequestBuilder<FeedSyncWorker>()
                .setConstraints(constraints)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            work.enqueueUniqueWork(FIRST, ExistingWorkPolicy.KEEP, first)
        }
    }
}
