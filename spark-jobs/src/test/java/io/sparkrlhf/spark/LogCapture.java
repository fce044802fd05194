package io.sparkrlhf.spark;

import java.io.StringWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Everything logged while it is open, at the levels the logging configuration lets through (the
 * same as a user's run: our INFO lines, Spark's and Hadoop's warnings), with exceptions' traces.
 */
public final class LogCapture implements AutoCloseable {
  private final StringWriter text = new StringWriter();
  private final WriterAppender appender;
  private final LoggerContext context;

  public LogCapture() {
    context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    appender = WriterAppender.newBuilder()
        .setName("capture-" + System.nanoTime())
        .setTarget(text)
        .setLayout(PatternLayout.newBuilder().withPattern("%p %c: %m%n%throwable").withConfiguration(config).build())
        .build();
    appender.start();
    config.getRootLogger().addAppender(appender, null, null); // the other loggers pass their events on to it
    context.updateLoggers();
  }

  public String text() {
    synchronized (text) {
      return text.toString();
    }
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(appender.getName());
    context.updateLoggers();
    appender.stop();
  }
}
