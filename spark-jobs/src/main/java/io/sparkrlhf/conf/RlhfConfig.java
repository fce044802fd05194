package io.sparkrlhf.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the HOCON configuration: the built-in defaults ({@code rlhf-reference.conf}), then the
 * user's files in order, then {@code key=value} overrides from the command line. Any key the
 * defaults do not know is an error naming the key, where it was set, and the nearest known key.
 * Messages never show the value of a secret-looking key, and a URI with credentials in it is refused.
 */
public final class RlhfConfig {
  public static final String REFERENCE = "rlhf-reference.conf";
  /** Subtrees whose keys are the user's own (passed through to Spark). */
  private static final Set<String> FREE_FORM = Set.of("rlhf.spark.conf");

  private RlhfConfig() {}

  public static Config load(List<File> files, List<String> overrides) {
    Config reference = ConfigFactory.parseResources(RlhfConfig.class.getClassLoader(), REFERENCE);
    if (reference.isEmpty()) {
      throw new IllegalStateException(REFERENCE + " is missing from the classpath");
    }
    Config user = ConfigFactory.empty();
    for (File f : files) {
      if (!f.isFile()) {
        throw new IllegalArgumentException("configuration file does not exist: " + f);
      }
      user = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false)).withFallback(user);
    }
    for (String override : overrides) {
      user = parseOverride(override).withFallback(user);
    }
    checkKnownKeys(user, reference);
    Config resolved;
    try {
      resolved = user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
    }
    refuseCredentialsInUris(resolved);
    return resolved;
  }

  /** {@code prepare.seq-len=512} or {@code rlhf.prepare.seq-len=512}; the value is HOCON. */
  static Config parseOverride(String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("override must be key=value, found: " + Secrets.redactAssignment(override));
    }
    String key = override.substring(0, eq).strip();
    String value = override.substring(eq + 1).strip();
    String path = key.startsWith("rlhf.") ? key : "rlhf." + key;
    // Every message about the key quotes its origin: never with a secret value in it.
    String origin = "command-line override '" + Secrets.redactAssignment(override) + "'";
    try {
      return ConfigFactory.parseString(path + " = " + value, ConfigParseOptions.defaults().setOriginDescription(origin));
    } catch (ConfigException e) {
      // Not valid HOCON (a path with ':' or '#', say): take the value as a plain string.
      return ConfigFactory.parseMap(Map.of(path, value), origin);
    }
  }

  static void checkKnownKeys(Config user, Config reference) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (FREE_FORM.stream().anyMatch(f -> key.startsWith(f + "."))) {
        continue;
      }
      if (!reference.hasPathOrNull(key)) {
        String where = e.getValue().origin().description();
        problems.add("unknown configuration key '" + key + "' (" + where + ")" + suggestion(key, reference)
            + sparkHint(key));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
  }

  /** A Spark setting given outside rlhf.spark.conf (spark.hadoop.fs.s3a.endpoint=...): where it belongs. */
  private static String sparkHint(String key) {
    if (!key.startsWith("rlhf.spark.") || key.startsWith("rlhf.spark.conf")) {
      return "";
    }
    String setting = key.substring("rlhf.".length());
    return "; Spark settings go under rlhf.spark.conf: --set 'spark.conf.\"" + setting + "\"=...' or, in a file, "
        + "rlhf.spark.conf { \"" + setting + "\" = ... }";
  }

  /** Paths and settings with user:password@ in a URI are refused before Hadoop logs them. */
  static void refuseCredentialsInUris(Config conf) {
    for (Map.Entry<String, ConfigValue> e : conf.entrySet()) {
      Object value = e.getValue().unwrapped();
      List<?> values = value instanceof List<?> list ? list : List.of(value);
      for (Object v : values) {
        if (v instanceof String text) {
          Secrets.refuseCredentialsInUri(e.getKey() + " (" + e.getValue().origin().description() + ")", text);
        }
      }
    }
  }

  private static String suggestion(String key, Config reference) {
    return reference.entrySet().stream()
        .map(Map.Entry::getKey)
        .min(Comparator.comparingInt(k -> editDistance(k, key)))
        .filter(k -> editDistance(k, key) <= Math.max(3, key.length() / 4))
        .map(k -> "; did you mean '" + k + "'?")
        .orElse("");
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
