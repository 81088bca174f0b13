package dev.moaflink.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.FinishReason;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sessions of one model whose prompts start alike share the prompt's keys and values through the engine's prefix
 * cache: the same tokens as computing them, fewer prompt tokens computed, also with many queries interleaved and
 * some cancelled on the way.
 */
@Timeout(120)
class PromptSharingTest {

    private static Fixture fixture;

    @BeforeAll
    static void load() throws Exception {
        fixture = Fixture.load("tiny-llama");
    }

    private record Run(Generation generation, int[] ids) { }

    private static CompletableFuture<Run> generate(DjlEngine e, String query, String id, String prompt, int tokens) {
        EngineSession s = e.open(new SessionRequest(query + "/" + id, prompt, PromptContext.freeText(query),
                SessionRequest.Role.PROPOSER, 1));
        List<Token> out = new CopyOnWriteArrayList<>();
        return s.generate(GenerationParams.greedy(tokens), out::add).thenApply(g -> {
            s.close();
            return new Run(g, out.stream().mapToInt(Token::id).toArray());
        });
    }

    private static int[] greedy(int prompt, int tokens) {
        return Arrays.copyOf(fixture.prompts().get(prompt).greedy(), tokens);
    }

    @Test
    void aRepeatedPromptComputesOnlyItsLastTokenAndGivesTheSameTokens() throws Exception {
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(), DjlOptions.of(fixture.spec(Map.of())))) {
            String text = fixture.prompts().get(0).text();
            Run first = generate(e, "q1", "a", text, 16).get(60, TimeUnit.SECONDS);
            long computed = e.prefilledTokens();
            Run second = generate(e, "q2", "a", text, 16).get(60, TimeUnit.SECONDS);
            assertArrayEquals(greedy(0, 16), first.ids());
            assertArrayEquals(greedy(0, 16), second.ids());
            assertEquals(0, first.generation().cachedPromptTokens());
            int prompt = second.generation().promptTokens();
            assertEquals(prompt - 1, second.generation().cachedPromptTokens(), "all but the last prompt token");
            assertEquals(1, e.prefilledTokens() - computed);
            assertEquals(first.generation().sumLogProb(), second.generation().sumLogProb(), 1e-3);
        }
    }

    /**
     * Twelve queries, each with three copies of a model on one of four prompts, arrive interleaved; every fourth
     * session is cancelled after its first token. Every other session gets the tokens of its prompt computed alone,
     * and the engine computes well under the prompt tokens it was given (the rest came from the cache).
     */
    @Test
    void interleavedQueriesWithCancellationsGetTheSameTokensAsWithoutSharing() throws Exception {
        int prompts = 4;
        for (String cacheMb : List.of("0", "64")) {
            try (DjlEngine e = new DjlEngine("tiny", fixture.dir(),
                    DjlOptions.of(fixture.spec(Map.of("prefix_cache_mb", cacheMb, "max_batch", "8"))))) {
                List<CompletableFuture<Run>> runs = new ArrayList<>();
                List<Integer> promptOf = new ArrayList<>();
                List<EngineSession> cancelled = new ArrayList<>();
                int n = 0;
                for (int q = 0; q < 12; q++) {
                    for (int copy = 0; copy < 3; copy++) {
                        int p = (q + copy) % prompts;
                        String text = fixture.prompts().get(p).text();
                        if (++n % 4 == 0) {
                            EngineSession s = e.open(new SessionRequest("q" + q + "/c" + copy, text,
                                    PromptContext.freeText("q" + q), SessionRequest.Role.PROPOSER, 1));
                            s.generate(GenerationParams.greedy(24), t -> s.cancel());
                            cancelled.add(s);
                        } else {
                            runs.add(generate(e, "q" + q, "c" + copy, text, 24));
                            promptOf.add(p);
                        }
                    }
                }
                int promptTokens = 0;
                for (int i = 0; i < runs.size(); i++) {
                    Run r = runs.get(i).get(60, TimeUnit.SECONDS);
                    assertArrayEquals(greedy(promptOf.get(i), 24), r.ids(), "session " + i + ", cache " + cacheMb);
                    promptTokens += r.generation().promptTokens();
                }
                cancelled.forEach(EngineSession::close);
                if (cacheMb.equals("0")) {
                    assertEquals(0, e.reusedPromptTokens());
                } else {
                    assertTrue(e.reusedPromptTokens() > 0);
                    assertTrue(e.prefilledTokens() < 0.5 * promptTokens, "computed " + e.prefilledTokens() + " of "
                            + promptTokens + " prompt tokens");
                }
            }
        }
    }

    @Test
    void aFinishedGenerationSaysHowMuchOfItsPromptWasCached() throws Exception {
        try (DjlEngine e = new DjlEngine("tiny", fixture.dir(), DjlOptions.of(fixture.spec(Map.of())))) {
            String text = fixture.prompts().get(1).text();
            generate(e, "q1", "a", text, 4).get(60, TimeUnit.SECONDS);
            Run longer = generate(e, "q2", "a", text + " and then some more words", 4).get(60, TimeUnit.SECONDS);
            Generation g = longer.generation();
            assertTrue(g.finishReason() == FinishReason.LENGTH || g.finishReason() == FinishReason.STOP);
            assertTrue(g.cachedPromptTokens() > 0 && g.cachedPromptTokens() < g.promptTokens(), g.toString());
        }
    }
}
