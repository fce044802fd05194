package io.sparkrlhf.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The build's version and git commit, both recorded in the jar when it is built
 * ({@code rlhf-version.properties}), so a run on a cluster, where there is no checkout, reports the
 * commit it runs. {@code git_commit} ends in "-dirty" when the build had uncommitted changes to
 * tracked files; it is "unknown" for a build without git. {@code -Drlhf.git.commit} overrides it.
 */
public final class CodeVersion {
  static final String RESOURCE = "rlhf-version.properties";

  private CodeVersion() {}

  public static Map<String, String> current() {
    Properties p = new Properties();
    try (InputStream in = CodeVersion.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through: "unknown" below
    }
    return of(p, System.getProperty("rlhf.git.commit"));
  }

  static Map<String, String> of(Properties built, String override) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("version", known(built.getProperty("version")).orElse("unknown"));
    String commit = known(built.getProperty("git_commit"))
        .map(c -> "true".equals(built.getProperty("git_dirty")) ? c + "-dirty" : c)
        .orElse("unknown");
    v.put("git_commit", known(override).orElse(commit));
    return v;
  }

  /** A recorded value, or empty when the build could not fill it in (no git: the placeholder is left). */
  private static java.util.Optional<String> known(String value) {
    return value == null || value.isBlank() || value.contains("${") ? java.util.Optional.empty()
        : java.util.Optional.of(value.strip());
  }
}
