package io.ktask.brc;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Writes the input of the One Billion Row Challenge: {@code rows} lines of
 * {@code station;temperature}, temperatures with one decimal in {@code [-99.9, 99.9]}. The same
 * seed gives the same file, byte for byte. Station names are made-up words (some with non-ASCII
 * letters, to exercise UTF-8), each with its own mean temperature.
 */
public final class BrcGenerator {

    private static final String[] SYLLABLES = {
        "ka", "lo", "mi", "ra", "ten", "vik", "bur", "san", "dor", "el", "gu", "mó", "ræ", "shi", "tal",
        "no", "pe", "qua", "zi", "brå", "co", "da", "fen", "hol", "ja", "lü", "mar", "ost", "ri", "wen",
    };
    private static final int BUFFER = 1 << 20;

    private BrcGenerator() {
    }

    /**
     * Writes the file, replacing it if it exists.
     *
     * @param file where to write; not null
     * @param rows how many lines, {@code >= 0}
     * @param stations how many distinct station names, {@code >= 1}
     * @param seed the random seed: the same arguments write the same bytes
     * @param progress told the number of rows written since it was last told, as writing goes on
     * @return the file's size in bytes
     * @throws IOException if the file cannot be written
     */
    public static long write(Path file, long rows, int stations, long seed, LongConsumer progress) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> names = names(stations, random);
        int[] means = new int[stations];
        for (int i = 0; i < stations; i++) {
            means[i] = random.nextInt(-150, 301); // tenths of a degree: -15.0 .. 30.0
        }
        byte[] buf = new byte[BUFFER];
        int used = 0;
        long written = 0;
        long reported = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long row = 0; row < rows; row++) {
                if (used > BUFFER - BrcParser.MAX_LINE) {
                    out.write(buf, 0, used);
                    written += used;
                    used = 0;
                    progress.accept(row - reported);
                    reported = row;
                }
                int station = random.nextInt(stations);
                int tenths = (int) Math.round(means[station] + random.nextGaussian() * 100);
                byte[] name = names.get(station);
                System.arraycopy(name, 0, buf, used, name.length);
                used += name.length;
                buf[used++] = ';';
                used = writeTenths(Math.max(-999, Math.min(999, tenths)), buf, used);
                buf[used++] = '\n';
            }
            out.write(buf, 0, used);
            written += used;
        }
        progress.accept(rows - reported);
        return written;
    }

    private static List<byte[]> names(int count, SplittableRandom random) {
        Set<String> unique = new LinkedHashSet<>();
        while (unique.size() < count) {
            StringBuilder name = new StringBuilder();
            int syllables = 2 + random.nextInt(3);
            for (int s = 0; s < syllables; s++) {
                name.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            name.setCharAt(0, Character.toUpperCase(name.charAt(0)));
            if (random.nextInt(8) == 0) {
                name.append(" Bay");
            }
            unique.add(name.toString());
        }
        List<byte[]> names = new ArrayList<>(count);
        for (String n : unique) {
            names.add(n.getBytes(StandardCharsets.UTF_8));
        }
        return names;
    }

    private static int writeTenths(int tenths, byte[] buf, int at) {
        if (tenths < 0) {
            buf[at++] = '-';
            tenths = -tenths;
        }
        if (tenths >= 100) {
            buf[at++] = (byte) ('0' + tenths / 100);
        }
        buf[at++] = (byte) ('0' + tenths / 10 % 10);
        buf[at++] = '.';
        buf[at++] = (byte) ('0' + tenths % 10);
        return at;
    }
}
