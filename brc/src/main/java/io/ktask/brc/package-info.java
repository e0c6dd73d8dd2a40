/**
 * The One Billion Row Challenge's per-chunk code: {@link io.ktask.brc.BrcParser} parses the
 * {@code station;temperature} lines of one chunk of a file (cut at line starts by
 * {@link io.ktask.operators.DelimitedFile}) into a {@link io.ktask.brc.StationTable}, tables merge
 * in chunk order, and {@link io.ktask.brc.StationSummary} prints a station as the challenge does.
 * {@link io.ktask.brc.BrcGenerator} writes test data. Shared by the {@code brc} sample (ktask on
 * one machine) and the Spark sample (the same chunks on Apache Spark), so both compute with one
 * parser.
 */
package io.ktask.brc;
