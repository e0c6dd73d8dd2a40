/**
 * Not API: the plumbing between {@code ktask-operators} and {@code ktask-scheduler} (helper
 * leases, task records, task threads). It is public only because the two modules are separate
 * jars; it may change in any release without notice. Users call {@link
 * io.ktask.scheduler.KTaskScheduler}'s public methods only.
 */
package io.ktask.scheduler.internal;
