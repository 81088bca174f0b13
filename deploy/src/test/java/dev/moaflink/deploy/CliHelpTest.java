package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.moaflink.job.MoaJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every command prints its options on --help and returns normally (exit status 0), doing nothing else. */
@Timeout(30)
class CliHelpTest {

    interface Main {
        void run(String[] args) throws Exception;
    }

    @Test
    void everyCommandPrintsItsOptionsOnHelp() throws Exception {
        assertHelp(QueriesCli::main, "--bootstrap", "--expect");
        assertHelp(ScoreCli::main, "--dataset", "--variants");
        assertHelp(BatchCli::main, "--input", "--output", "--fresh");
        assertHelp(PlanCli::main, "--profile", "--workers", "--out");
        assertHelp(Timeline::main, "--out", "--queries");
        assertHelp(K8sManifests::main, "--plan", "--gpus-per-worker");
        assertHelp(EmbeddedDemo::main, "--preset");
        assertHelp(MoaJob::main, "--config", "docs/CONFIGURATION.md");
    }

    static void assertHelp(Main main, String... options) throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.run(new String[] {"--help"});
        } finally {
            System.setOut(before);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("usage: "), text);
        assertTrue(text.contains("--help"), text);
        for (String o : options) {
            assertTrue(text.contains(o), o + " in " + text);
        }
    }
}
