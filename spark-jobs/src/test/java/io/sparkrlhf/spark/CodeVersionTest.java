package io.sparkrlhf.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CodeVersionTest {
  @Test
  void theBuildRecordsTheCommitItWasBuiltFrom() throws Exception {
    Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
    String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    Assumptions.assumeTrue(git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0, "not a git checkout: " + head);
    Properties built = new Properties();
    try (InputStream in = CodeVersion.class.getClassLoader().getResourceAsStream(CodeVersion.RESOURCE)) {
      built.load(in);
    }
    // The commit of the build that produced target/classes: HEAD, unless a commit was made since.
    String recorded = built.getProperty("git_commit");
    assertTrue(recorded.matches("[0-9a-f]{12}"), "filled in by the build: " + recorded);
    Process known = new ProcessBuilder("git", "cat-file", "-e", recorded + "^{commit}").start();
    assertTrue(known.waitFor(30, TimeUnit.SECONDS) && known.exitValue() == 0, recorded + " is a commit of this repository");
    assertTrue(CodeVersion.current().get("git_commit").startsWith(recorded), CodeVersion.current().toString());
    assertTrue(built.getProperty("git_dirty").matches("true|false"), built.toString());
  }

  @Test
  void unfilledPlaceholdersAndOverrides() {
    Properties noGit = new Properties();
    noGit.setProperty("version", "0.1.0");
    noGit.setProperty("git_commit", "${rlhf.build.git.commit}");
    noGit.setProperty("git_dirty", "${rlhf.build.git.dirty}");
    assertEquals(Map.of("version", "0.1.0", "git_commit", "unknown"), CodeVersion.of(noGit, null));

    Properties dirty = new Properties();
    dirty.setProperty("version", "0.1.0");
    dirty.setProperty("git_commit", "0123456789ab");
    dirty.setProperty("git_dirty", "true");
    assertEquals("0123456789ab-dirty", CodeVersion.of(dirty, null).get("git_commit"));
    assertEquals("feedface", CodeVersion.of(dirty, "feedface").get("git_commit"));
    dirty.setProperty("git_dirty", "false");
    assertEquals("0123456789ab", CodeVersion.of(dirty, "").get("git_commit"));
  }
}
