package dev.moaflink.it;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures every log event at INFO and above, from every logger (the root is lowered to INFO while it is open;
 * the console keeps its WARN threshold for other loggers), to check what a run would put in production logs.
 */
final class CapturedLogs extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final LoggerConfig root = context.getConfiguration().getRootLogger();
    private final Level rootLevel = root.getLevel();
    private final List<Appender> consoles;

    CapturedLogs() {
        super("captured-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        start();
        consoles = List.copyOf(root.getAppenders().values());
        consoles.forEach(a -> {
            root.removeAppender(a.getName());
            root.addAppender(a, rootLevel, null);
        });
        root.addAppender(this, Level.INFO, null);
        root.setLevel(Level.INFO);
        context.updateLoggers();
    }

    @Override
    public void append(LogEvent e) {
        StringBuilder line = new StringBuilder(e.getLevel() + " " + e.getLoggerName() + " "
                + e.getMessage().getFormattedMessage());
        for (Throwable t = e.getThrown(); t != null; t = t.getCause()) {
            line.append(" | ").append(t);
        }
        lines.add(line.toString());
    }

    List<String> lines() {
        return lines;
    }

    @Override
    public void close() {
        root.removeAppender(getName());
        consoles.forEach(a -> {
            root.removeAppender(a.getName());
            root.addAppender(a, null, null);
        });
        root.setLevel(rootLevel);
        context.updateLoggers();
        stop();
    }
}
