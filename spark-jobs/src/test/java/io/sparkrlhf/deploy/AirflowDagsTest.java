package io.sparkrlhf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAGs rendered as Airflow would (deploy/airflow/check_dags.py, with a stand-in for
 * Airflow and real Jinja): one tokenizer setting for prepare and training, outputs per run, one
 * pinned generation, the cluster-mode driver. .ci/run installs python3-jinja2 and runs the check
 * itself too, so CI never skips it.
 */
class AirflowDagsTest {
  @TempDir java.nio.file.Path dir;

  @Test
  void dagsRenderAndAgree() throws Exception {
    String python = null;
    for (String candidate : new String[] {"python3", "/usr/bin/python3"}) {
      try {
        if (python == null && DeployScriptsTest.run(dir, Map.of(), candidate, "-c", "import jinja2").code() == 0) {
          python = candidate;
        }
      } catch (java.io.IOException notThere) {
        // try the next
      }
    }
    Assumptions.assumeTrue(python != null, "no python3 with jinja2 (.ci/run installs python3-jinja2)");
    DeployScriptsTest.Run check = DeployScriptsTest.run(dir, Map.of("PYTHONDONTWRITEBYTECODE", "1"), python,
        DeployScriptsTest.ROOT.resolve("deploy/airflow/check_dags.py").toString());
    assertEquals(0, check.code(), check.output());
    assertTrue(check.output().startsWith("ok: "), check.output());
  }
}
