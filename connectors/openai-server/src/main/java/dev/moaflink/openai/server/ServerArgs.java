package dev.moaflink.openai.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of {@link OpenAiServer}, checked once.
 *
 * @param host         address to listen on
 * @param port         port (0: any free port, printed at start)
 * @param backend      engine backend of every model ({@code djl} or {@code sim})
 * @param models       model name to DJL model path (a directory or {@code classpath:...}; empty for {@code sim})
 * @param options      engine options given to every model
 * @param chatTemplate {@code auto} (the model's own, from its tokenizer_config.json), {@code none}, or a family
 * @param apiKeyEnv    environment variable holding the API key clients must send, or null for none
 * @param threads      requests served at once
 */
record ServerArgs(String host, int port, String backend, Map<String, String> models, Map<String, String> options,
                  String chatTemplate, String apiKeyEnv, int threads) {

    static final List<String> BUNDLED = List.of("expert-small", "expert-medium", "expert-large", "aggregator");
    static final String BUNDLED_PREFIX = "classpath:dev/moaflink/models/";
    private static final Set<String> TEMPLATES = Set.of("auto", "none", "chatml", "llama3", "llama2");

    static final String USAGE = """
            usage: OpenAiServer [--host 127.0.0.1] [--port 8000] [--backend djl|sim] [--model NAME[=PATH]]...
                                [--option KEY=VALUE]... [--chat-template auto|none|chatml|llama3|llama2]
                                [--api-key-env NAME] [--threads 32]
              --model         a model to serve (repeatable); with djl, PATH is a Hugging Face model directory or
                              classpath:..., and a bundled model's name needs none; default: the four bundled models
              --option        an engine option for every model (djl: device, kv_cache_mb, max_batch, ...; sim: the
                              profile keys)
              --chat-template how /v1/chat/completions wraps the user message; auto reads the model's template
              --api-key-env   clients must send this variable's value as 'Authorization: Bearer <key>'
              --threads       request handler threads (default 32)
              --help          this text
            """;

    static ServerArgs parse(String... args) {
        String host = "127.0.0.1";
        int port = 8000;
        String backend = "djl";
        Map<String, String> models = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        String chatTemplate = "auto";
        String apiKeyEnv = null;
        int threads = 32;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag.startsWith("--") ? flag + " needs a value"
                        : "unexpected argument '" + flag + "'");
            }
            String value = args[++i];
            switch (flag) {
                case "--host" -> host = value;
                case "--port" -> port = integer(flag, value, 0, 65535);
                case "--backend" -> {
                    if (!value.equals("djl") && !value.equals("sim")) {
                        throw new IllegalArgumentException("--backend must be djl or sim, was '" + value + "'");
                    }
                    backend = value;
                }
                case "--model" -> {
                    int eq = value.indexOf('=');
                    String name = eq < 0 ? value : value.substring(0, eq);
                    if (name.isBlank() || models.containsKey(name)) {
                        throw new IllegalArgumentException("--model needs a name, each name once: '" + value + "'");
                    }
                    models.put(name, eq < 0 ? "" : value.substring(eq + 1));
                }
                case "--option" -> {
                    int eq = value.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException("--option takes KEY=VALUE, was '" + value + "'");
                    }
                    options.put(value.substring(0, eq), value.substring(eq + 1));
                }
                case "--chat-template" -> {
                    if (!TEMPLATES.contains(value)) {
                        throw new IllegalArgumentException("--chat-template must be one of " + TEMPLATES + ", was '"
                                + value + "'");
                    }
                    chatTemplate = value;
                }
                case "--api-key-env" -> apiKeyEnv = value;
                case "--threads" -> threads = integer(flag, value, 1, 10_000);
                default -> throw new IllegalArgumentException("unknown flag '" + flag + "'");
            }
        }
        if (models.isEmpty()) {
            if (!backend.equals("djl")) {
                throw new IllegalArgumentException("--backend " + backend + " needs at least one --model NAME");
            }
            BUNDLED.forEach(m -> models.put(m, ""));
        }
        for (Map.Entry<String, String> m : new ArrayList<>(models.entrySet())) {
            if (backend.equals("djl") && m.getValue().isEmpty()) {
                if (!BUNDLED.contains(m.getKey())) {
                    throw new IllegalArgumentException("--model " + m.getKey() + " needs a path (NAME=PATH): it is "
                            + "not one of the bundled models " + BUNDLED);
                }
                models.put(m.getKey(), BUNDLED_PREFIX + m.getKey());
            } else if (backend.equals("sim") && !m.getValue().isEmpty()) {
                throw new IllegalArgumentException("--model " + m.getKey() + ": the sim backend takes no path");
            }
        }
        if (options.containsKey("chat_template")) {
            throw new IllegalArgumentException("set the chat format with --chat-template: the server applies it to "
                    + "chat requests and runs the engine on raw prompts");
        }
        return new ServerArgs(host, port, backend, Collections.unmodifiableMap(models),
                Collections.unmodifiableMap(options), chatTemplate, apiKeyEnv, threads);
    }

    private static int integer(String flag, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be an integer in [" + min + ", " + max + "], was '" + value
                + "'");
    }
}
