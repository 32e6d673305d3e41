package io.github.microkit.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs microkit against the raw clients, in interleaved rounds, and prints one line per comparison:
 * {@code RATIO <name> <microkit ops/s> <raw ops/s> <ratio>}, each figure the median of the rounds.
 *
 * <p>On two shared cores one pair of runs is noise: the two sides alternate (every round runs both, in a
 * fresh JVM each, the side that goes first changing from round to round) and the median is reported. A benchmark
 * class takes part when it declares {@code public static final String RATIO}, a name template: {@code {param}} is
 * replaced by that
 * {@code @Param}'s value, {@code {threads}} by the thread count, and {@code {variant}} by {@code ""} for the
 * method pair {@code microkit}/{@code raw}, or {@code -x} for a method {@code microkitX}, which is paired with
 * {@code rawX} when there is one and with {@code raw} otherwise. An optional {@code public static final int[]
 * THREADS} lists the thread counts (default 1), and optional {@code public static final int WARMUP_SECONDS} and
 * {@code WARMUP_ITERATIONS} the warm-up (default one iteration of 5 s).
 *
 * <p>Arguments: a filter (a class runs when its RATIO template or simple name contains it; empty runs all).
 * Environment: {@code ROUNDS} (default 3), {@code WARMUP_SECONDS} (the class's, else 5),
 * {@code WARMUP_ITERATIONS} (the class's, else 1), {@code MEASURE_SECONDS} (5), {@code ITERATIONS} (2).
 */
public final class RatioRunner {

    private RatioRunner() {
    }

    public static void main(String[] args) throws Exception {
        String filter = args.length > 0 ? args[0].toLowerCase(Locale.ROOT) : "";
        int rounds = envInt("ROUNDS", 3);
        List<Class<?>> classes = new ArrayList<>();
        for (String name : benchmarkClasses()) {
            Class<?> type = Class.forName(name);
            String template = ratioTemplate(type);
            if (template == null) {
                continue;
            }
            if (filter.isEmpty() || template.toLowerCase(Locale.ROOT).contains(filter)
                    || type.getSimpleName().toLowerCase(Locale.ROOT).contains(filter)) {
                classes.add(type);
            }
        }
        if (classes.isEmpty()) {
            System.err.println("no benchmark matches '" + filter + "'");
            System.exit(2);
        }
        List<String> lines = new ArrayList<>();
        for (Class<?> type : classes) {
            for (int threads : threads(type)) {
                lines.addAll(compare(type, threads, rounds));
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    private static List<String> compare(Class<?> type, int threads, int rounds) throws RunnerException {
        // key: method + params -> scores of each round
        Map<String, List<Double>> scores = new LinkedHashMap<>();
        Map<String, Map<String, String>> paramsOf = new LinkedHashMap<>();
        int warmupIterations = envInt("WARMUP_ITERATIONS", classConstant(type, "WARMUP_ITERATIONS", 1));
        int warmupSeconds = envInt("WARMUP_SECONDS", classConstant(type, "WARMUP_SECONDS", 5));
        for (int round = 1; round <= rounds; round++) {
            System.out.printf("# round %d of %d: %s, %d thread(s)%n", round, rounds, type.getSimpleName(), threads);
            // each side in its own runner, and which goes first alternates by round: run together, JMH would always
            // run microkit* before raw*, so whatever the previous fork leaves the broker doing (a quorum queue being
            // deleted, a log being flushed) and any trend in the machine's load would fall on the same side
            List<String> sides = round % 2 == 1 ? List.of("microkit", "raw") : List.of("raw", "microkit");
            for (String side : sides) {
                ChainedOptionsBuilder options = new OptionsBuilder()
                        .include("^" + type.getName().replace(".", "\\.") + "\\." + side)
                        .forks(1)
                        .threads(threads)
                        .warmupIterations(warmupIterations)
                        .warmupTime(TimeValue.seconds(warmupSeconds))
                        .measurementIterations(envInt("ITERATIONS", 2))
                        .measurementTime(TimeValue.seconds(envInt("MEASURE_SECONDS", 5)))
                        .shouldFailOnError(true);
                for (RunResult result : new Runner(options.build()).run()) {
                    var params = result.getParams();
                    String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
                    Map<String, String> values = new LinkedHashMap<>();
                    for (String key : new TreeSet<>(params.getParamsKeys())) {
                        values.put(key, params.getParam(key));
                    }
                    String key = method + values;
                    scores.computeIfAbsent(key, k -> new ArrayList<>()).add(result.getPrimaryResult().getScore());
                    paramsOf.put(key, values);
                }
            }
        }
        String template = ratioTemplate(type);
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, List<Double>> entry : scores.entrySet()) {
            String key = entry.getKey();
            String method = key.substring(0, key.indexOf('{'));
            if (!method.startsWith("microkit")) {
                continue;
            }
            String suffix = method.substring("microkit".length());
            Map<String, String> values = paramsOf.get(key);
            List<Double> raw = scores.get("raw" + suffix + values);
            if (raw == null) {
                raw = scores.get("raw" + values);
            }
            if (raw == null) {
                throw new IllegalStateException(type.getName() + "." + method + " has no raw counterpart");
            }
            double microkit = median(entry.getValue());
            double baseline = median(raw);
            String name = template.replace("{threads}", String.valueOf(threads))
                    .replace("{variant}", suffix.isEmpty() ? "" : "-" + suffix.toLowerCase(Locale.ROOT));
            for (Map.Entry<String, String> p : values.entrySet()) {
                name = name.replace("{" + p.getKey() + "}", p.getValue());
            }
            lines.add(String.format(Locale.ROOT, "RATIO %s %.0f %.0f %.3f   (rounds: microkit %s, raw %s)", name,
                    microkit, baseline, microkit / baseline, rounded(entry.getValue()), rounded(raw)));
        }
        return lines;
    }

    private static String rounded(List<Double> values) {
        List<String> out = new ArrayList<>();
        for (double v : values) {
            out.add(String.format(Locale.ROOT, "%.0f", v));
        }
        return String.join("/", out);
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String ratioTemplate(Class<?> type) {
        try {
            return (String) type.getField("RATIO").get(null);
        } catch (NoSuchFieldException e) {
            return null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The class's {@code public static final int} of that name when it declares one, else the default. */
    private static int classConstant(Class<?> type, String name, int otherwise) {
        try {
            return type.getField(name).getInt(null);
        } catch (NoSuchFieldException e) {
            return otherwise;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] threads(Class<?> type) {
        try {
            return (int[]) type.getField("THREADS").get(null);
        } catch (NoSuchFieldException e) {
            return new int[] {1};
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The classes JMH's annotation processor listed in META-INF/BenchmarkList. */
    private static TreeSet<String> benchmarkClasses() {
        TreeSet<String> classes = new TreeSet<>();
        OutputFormat quiet = OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT);
        for (BenchmarkListEntry entry : BenchmarkList.defaultList().getAll(quiet, List.of())) {
            classes.add(entry.getUserClassQName());
        }
        return classes;
    }

    private static int envInt(String name, int defaultValue) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? defaultValue : Integer.parseInt(value.strip());
    }
}
