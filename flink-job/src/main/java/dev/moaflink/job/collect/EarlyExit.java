package dev.moaflink.job.collect;

import dev.moaflink.engine.Embedders;
import dev.moaflink.engine.TextEmbedder;
import dev.moaflink.job.config.JobConfig;
import dev.moaflink.job.model.NodeResult;
import dev.moaflink.job.model.QueryTask;
import dev.moaflink.schema.TaskType;
import java.util.List;

/**
 * Early termination's decision over a sibling group's finished members: scored by {@link MetricQ} (answer agreement,
 * or the cosine of sentence embeddings for free text), once at least {@code min_finished} (and two) have an output.
 */
public final class EarlyExit {

    private final JobConfig.EarlyExit config;
    private final MetricQ metric;
    private TextEmbedder embedder;

    public EarlyExit(JobConfig.EarlyExit config) {
        this.config = config;
        this.metric = new MetricQ(config);
    }

    /** Loads the embedder (and makes its first, slow call) now, not while a query waits for a decision. */
    public void warmUp() {
        if (config.similarity() != JobConfig.Similarity.ANSWER) {
            embedder().embed("warm-up");
        }
    }

    /**
     * Whether the unfinished siblings of a group stop now.
     *
     * @param done     the finished siblings with an output
     * @param query    the query (its id seeds the probabilistic mode's draw; its task type picks the similarity)
     * @param group    the group's place (its first child's index), for the probabilistic mode's seeded draw
     * @param finished how many of the group have finished, output or not
     */
    public boolean stops(List<NodeResult> done, QueryTask query, int level, int group, int finished) {
        if (done.size() < config.minFinished() || done.size() < 2) {
            return false;
        }
        boolean answersOnly = query.taskType() != TaskType.FREE_TEXT;
        return metric.terminate(score(done, answersOnly), query.id(), level, group, finished);
    }

    private double score(List<NodeResult> done, boolean answersOnly) {
        int n = done.size();
        double[] conf = new double[n];
        String[] answers = new String[n];
        for (int i = 0; i < n; i++) {
            conf[i] = done.get(i).trace().confidence();
            answers[i] = done.get(i).trace().extractedAnswer();
        }
        float[][] vectors = new float[n][];
        return metric.q(conf, answers, i -> {
            if (vectors[i] == null) {
                vectors[i] = embedder().embed(done.get(i).text());
            }
            return vectors[i];
        }, answersOnly);
    }

    private TextEmbedder embedder() {
        if (embedder == null) {
            embedder = Embedders.shared(config.embedder());
        }
        return embedder;
    }
}
