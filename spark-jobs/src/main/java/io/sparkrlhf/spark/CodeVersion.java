package io.sparkrlhf.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The build's version (from Maven) and, when the launcher passes it, the git commit. */
public final class CodeVersion {
  private CodeVersion() {}

  public static Map<String, String> current() {
    Map<String, String> v = new LinkedHashMap<>();
    Properties p = new Properties();
    try (InputStream in = CodeVersion.class.getClassLoader().getResourceAsStream("rlhf-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through: "unknown" below
    }
    v.put("version", p.getProperty("version", "unknown"));
    v.put("git_commit", System.getProperty("rlhf.git.commit", "unknown"));
    return v;
  }
}
