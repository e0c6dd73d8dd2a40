/**
 * Micrometer meters for a {@link io.ktask.scheduler.KTaskScheduler}: {@link io.ktask.micrometer.KTaskMetrics}.
 * Optional: the core modules do not depend on Micrometer.
 */
package io.ktask.micrometer;
