package dev.moaflink.deploy.datasets;

import dev.moaflink.schema.Query;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/** Loads several datasets at once: where the folder is, which split, how many items of each. */
public final class Datasets {

    /** The environment variable naming the datasets folder when {@code --datasets-dir} is not given. */
    public static final String ENV = "MOA_DATASETS_DIR";
    /** The folder used when neither is set: the shared datasets next to the repository. */
    public static final String DEFAULT_DIR = "../shared/datasets";

    private Datasets() {}

    /** {@code configured} if given, else {@value #ENV}, else {@value #DEFAULT_DIR} (relative to the working directory). */
    public static Path root(String configured) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String env = System.getenv(ENV);
        return Path.of(env != null && !env.isBlank() ? env : DEFAULT_DIR);
    }

    /**
     * The queries of each named dataset (comma-separated names), in the order named.
     *
     * @param split null for each dataset's default split
     * @param limit at most this many items per dataset (≤ 0: all); when a dataset has more, a seeded random sample,
     *              kept in file order, so that subjects or sources that are contiguous in the file are all represented
     */
    public static List<Query> load(Path root, String names, String split, int limit, long seed) throws IOException {
        List<Query> all = new ArrayList<>();
        for (String name : names.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            Dataset d = Dataset.named(name);
            all.addAll(sample(d.load(root, split), limit, seed));
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no dataset named in '" + names + "'");
        }
        return all;
    }

    /** At most {@code limit} of {@code items} (all when ≤ 0), chosen with {@code seed}, in their original order. */
    static <T> List<T> sample(List<T> items, int limit, long seed) {
        if (limit <= 0 || items.size() <= limit) {
            return items;
        }
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, new Random(seed));
        List<Integer> chosen = new ArrayList<>(idx.subList(0, limit));
        chosen.sort(Comparator.naturalOrder());
        List<T> out = new ArrayList<>(limit);
        chosen.forEach(i -> out.add(items.get(i)));
        return out;
    }
}
