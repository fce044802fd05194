package io.sparkrlhf.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * A resolved configuration ({@link RlhfConfig#load}) as one self-contained HOCON text: the
 * {@code rlhf} tree with every include and substitution already applied, so that a cluster job
 * needs this one file and nothing it was made from.
 */
public final class ResolvedConfig {
  private static final ConfigRenderOptions HOCON =
      ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false).setFormatted(true);

  private ResolvedConfig() {}

  /** The {@code rlhf} tree as HOCON, readable by {@link RlhfConfig#load} as a file. */
  public static String render(Config conf) {
    return com.typesafe.config.ConfigFactory.empty().withValue("rlhf", conf.getValue("rlhf")).root().render(HOCON);
  }

  /** {@code conf} with the value of every secret-looking key replaced by {@link Secrets#REDACTED}. */
  public static Config redacted(Config conf) {
    Config out = conf;
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : conf.entrySet()) {
      Object value = e.getValue().unwrapped();
      if (Secrets.isSecretKey(e.getKey())) {
        out = out.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(Secrets.REDACTED));
      } else if (value instanceof String text && !Secrets.redact(text).equals(text)) {
        out = out.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(Secrets.redact(text)));
      }
    }
    return out;
  }

  /** Writes {@link #render} to {@code file}, readable by its owner only where the filesystem allows. */
  public static void write(Config conf, Path file) throws IOException {
    byte[] text = render(conf).getBytes(StandardCharsets.UTF_8);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".rlhf-config-", ".tmp");
    try {
      ownerOnly(tmp);
      Files.write(tmp, text, StandardOpenOption.TRUNCATE_EXISTING);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void ownerOnly(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
