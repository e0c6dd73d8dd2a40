/**
 * ktask jobs on Apache Spark: the same work, merge and undo as a merge-mode
 * {@link io.ktask.operators.KTaskSpec}, run over a range of units as one Spark job, all or
 * nothing across the cluster. Entry points: {@link io.ktask.spark.SparkKTask} (the engine, a
 * {@code Mono} per job) and {@link io.ktask.spark.SparkJob} (the serializable job).
 */
package io.ktask.spark;
