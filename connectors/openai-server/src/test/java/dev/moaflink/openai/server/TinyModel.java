package dev.moaflink.openai.server;

import dev.moaflink.engine.EngineSession;
import dev.moaflink.engine.EngineSpec;
import dev.moaflink.engine.Generation;
import dev.moaflink.engine.GenerationParams;
import dev.moaflink.engine.LlmEngine;
import dev.moaflink.engine.PromptContext;
import dev.moaflink.engine.SessionRequest;
import dev.moaflink.engine.Token;
import dev.moaflink.engine.djl.DjlEngineFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The bundled expert-small model on the DJL engine, and what the tests run through it. */
final class TinyModel {

    static final String NAME = "expert-small";
    static final String PATH = "classpath:dev/moaflink/models/" + NAME;

    /** Prompts as the job writes them for proposers (flink-job's Prompts). */
    static final List<String> PROMPTS = List.of(
            "Answer the question. Think step by step, briefly.\nQuestion: Compute 10 + 1.\n"
                    + "End with a line 'Answer: <number>'.\n",
            "Answer the question. Think step by step, briefly.\nQuestion: What does 'acetone' mean?\n"
                    + "A) an evil spirit\nB) the specified day of the month\nC) a strand or cluster of hair\n"
                    + "D) the simplest ketone\nEnd with a line 'Answer: <letter>'.\n");

    private TinyModel() {}

    /** The DJL engine on the model; {@code chatTemplate} {@code auto} wraps prompts in its chat format itself. */
    static LlmEngine engine(String chatTemplate, boolean ignoreEos) {
        return new DjlEngineFactory().create(new EngineSpec("djl", NAME, Map.of("path", PATH, "device", "cpu",
                "chat_template", chatTemplate, "ignore_eos", String.valueOf(ignoreEos))));
    }

    /** A server on a free loopback port; {@code raw} runs the engine on raw prompts, as the server expects. */
    static OpenAiServer server(Map<String, LlmEngine> raw, String apiKey) throws Exception {
        List<OpenAiServer.ServedModel> served = raw.entrySet().stream()
                .map(e -> new OpenAiServer.ServedModel(e.getKey(), e.getValue(), ChatTemplate.declaredBy(PATH)))
                .toList();
        return new OpenAiServer(served, apiKey, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8,
                List.of());
    }

    record Run(Generation generation, List<Token> tokens) {
        List<String> texts() {
            return tokens.stream().map(Token::text).toList();
        }
    }

    /** Opens a session on {@code prefix}, appends {@code parts}, generates, and closes it. */
    static Run run(LlmEngine engine, String prefix, List<String> parts, GenerationParams params) throws Exception {
        EngineSession s = engine.open(new SessionRequest("t", prefix, PromptContext.freeText("t"),
                SessionRequest.Role.PROPOSER));
        parts.forEach(s::append);
        List<Token> tokens = new CopyOnWriteArrayList<>();
        Generation g = s.generate(params, tokens::add).get(60, TimeUnit.SECONDS);
        s.close();
        return new Run(g, tokens);
    }
}
