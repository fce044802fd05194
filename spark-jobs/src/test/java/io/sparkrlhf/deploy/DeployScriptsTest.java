package io.sparkrlhf.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sparkrlhf.conf.RlhfConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The shell scripts users run (bin/rlhf, deploy/): they parse, keep to what bash 3.2 (macOS) runs
 * under {@code set -u}, pass shellcheck where it is installed, and do what they say, driven with a
 * recording stand-in for spark-submit, nvidia-smi and mvn.
 */
class DeployScriptsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  @TempDir Path dir;

  /** Every shell script of the repository. */
  static List<Path> scripts() throws IOException {
    List<Path> out = new ArrayList<>();
    for (String top : List.of("bin", "deploy", ".ci")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(top))) {
        files.filter(Files::isRegularFile).filter(p -> !p.toString().contains("node_modules"))
            .filter(DeployScriptsTest::isShellScript).forEach(out::add);
      }
    }
    return out;
  }

  private static boolean isShellScript(Path p) {
    try {
      return p.toString().endsWith(".sh") || Files.readString(p, StandardCharsets.ISO_8859_1).startsWith("#!/usr/bin/env bash");
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void everyScriptParsesAndKeepsToBash32() throws Exception {
    List<Path> scripts = scripts();
    assertTrue(scripts.size() >= 5, "found " + scripts);
    // bash 3.2 under set -u: "${a[@]}" of an empty array is an unbound variable (fixed in 4.4), and
    // these came after 3.2.
    Pattern bareArray = Pattern.compile("(?<!\\+)\"\\$\\{(\\w+)\\[@\\]\\}\"");
    Pattern bash4 = Pattern.compile("declare -[An]|\\bmapfile\\b|\\breadarray\\b|\\$\\{\\w+(,,|\\^\\^)\\}|&>>|\\|&|\\bcoproc\\b");
    List<String> problems = new ArrayList<>();
    for (Path script : scripts) {
      Run syntax = run(dir, Map.of(), "bash", "-n", script.toString());
      if (syntax.code != 0) {
        problems.add(script + ": bash -n: " + syntax.output);
      }
      List<String> lines = Files.readAllLines(script);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).replaceAll("\\$\\{\\w+\\[@\\]\\+\"\\$\\{\\w+\\[@\\]\\}\"\\}", "");
        Matcher m = bareArray.matcher(line);
        if (m.find()) {
          problems.add(ROOT.relativize(script) + ":" + (i + 1) + ": \"${" + m.group(1) + "[@]}\" fails under set -u in bash 3.2 when "
              + "empty; write ${" + m.group(1) + "[@]+\"${" + m.group(1) + "[@]}\"}");
        }
        if (bash4.matcher(line).find() && !line.strip().startsWith("#")) {
          problems.add(ROOT.relativize(script) + ":" + (i + 1) + ": needs bash 4: " + line.strip());
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyScriptPassesShellcheckWhereItIsInstalled() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(run(dir, Map.of(), "bash", "-c", "command -v shellcheck").code == 0,
        "shellcheck is not installed (.ci/run installs it)");
    List<String> command = new ArrayList<>(List.of("shellcheck", "-s", "bash", "-S", "warning"));
    scripts().forEach(p -> command.add(p.toString()));
    Run check = run(dir, Map.of(), command.toArray(String[]::new));
    assertEquals(0, check.code, check.output);
  }

  @Test
  void gpuDiscoveryPrintsTheOrdinalsTheExecutorSees() throws Exception {
    Path script = ROOT.resolve("deploy/gpu/getGpusResources.sh");
    Path bin = fakeCommand("nvidia-smi", "printf '0\\n1\\n2\\n3\\n'");
    Map<String, String> path = Map.of("PATH", bin + ":/usr/bin:/bin");
    assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"2\",\"3\"]}", run(dir, path, script.toString()).output.strip());
    Map<String, String> restricted = Map.of("PATH", bin + ":/usr/bin:/bin", "CUDA_VISIBLE_DEVICES", "2,3");
    assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}", run(dir, restricted, script.toString()).output.strip(),
        "CUDA renumbers the visible devices from 0");
    Run none = run(dir, Map.of("PATH", "/usr/bin:/bin", "CUDA_VISIBLE_DEVICES", ""), script.toString());
    assertEquals(1, none.code, none.output);
    assertTrue(none.output.contains("no GPU visible"), none.output);
    Run noDriver = run(dir, Map.of("PATH", dir.resolve("empty") + ":/usr/bin:/bin"), script.toString());
    assertEquals(1, noDriver.code, noDriver.output);
    assertTrue(noDriver.output.contains("nvidia-smi is not on PATH"), noDriver.output);
  }

  @Test
  void yarnSubmitShipsOneResolvedConfigurationAndItsSparkSettings() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(Files.createDirectories(conf.resolve("models")).resolve("tiny.conf"),
        "rlhf.prepare.tokenizer { kind = hf, path = \"hdfs:///models/tiny/tokenizer.json\" }\nrlhf.sft.max-steps = 77\n");
    Path user = Files.writeString(conf.resolve("cluster.conf"), "include \"models/tiny.conf\"\n"
        + "rlhf.spark.conf {\n  \"spark.executor.cores\" = 4\n  \"spark.driver.memory\" = \"6g\"\n"
        + "  \"spark.hadoop.fs.s3a.secret.key\" = \"S3cr3t/Value\"\n}\n");
    Submitted sft = yarnSubmit(Map.of(), "sft", "-c", user.toString(), "--set", "sft.micro-batch=3", "-o", "hdfs:///runs/a",
        "--resume");

    assertEquals(0, sft.run.code, sft.run.output);
    assertTrue(sft.args.containsAll(List.of("--master", "yarn", "--deploy-mode", "cluster")), sft.args.toString());
    assertEquals("io.sparkrlhf.cli.RlhfDriver", after(sft.args, "--class"), "the main that returns instead of exiting");
    assertEquals(List.of("sft", "--config", "rlhf.conf", "-o", "hdfs:///runs/a", "--resume"),
        sft.args.subList(sft.args.indexOf(jar().toString()) + 1, sft.args.size()));
    // One file, everything resolved: the include and the --set are in it, the preset need not travel.
    assertEquals(List.of("rlhf.conf"), sft.shipped);
    Config expected = RlhfConfig.load(List.of(user.toFile()), List.of("sft.micro-batch=3"));
    Files.delete(conf.resolve("models/tiny.conf"));
    Config shipped = RlhfConfig.load(List.of(dir.resolve("shipped/rlhf.conf").toFile()), List.of());
    assertEquals(expected.getConfig("rlhf").root().unwrapped(), shipped.getConfig("rlhf").root().unwrapped());
    assertEquals(77, shipped.getInt("rlhf.sft.max-steps"));
    // Sizes reach spark-submit; a training command gets one task per executor; the secret stays in the file.
    List<String> settings = confs(sft.args);
    assertTrue(settings.containsAll(List.of("spark.executor.cores=4", "spark.task.cpus=4", "spark.driver.memory=6g",
        "spark.yarn.maxAppAttempts=1")), settings.toString());
    assertFalse(String.join(" ", sft.args).contains("S3cr3t"), sft.args.toString());
    assertFalse(sft.run.output.contains("S3cr3t"), sft.run.output);
    assertTrue(settings.stream().noneMatch(s -> s.contains("resource.gpu")), "no GPU unless asked: " + settings);

    Submitted prepare = yarnSubmit(Map.of("EXECUTORS", "3"), "prepare", "-c", user.toString());
    assertEquals(0, prepare.run.code, prepare.run.output);
    assertTrue(confs(prepare.args).containsAll(List.of("spark.task.cpus=1", "spark.executor.instances=3")),
        prepare.args.toString());
  }

  @Test
  void yarnGpuPresetShipsTheDiscoveryScriptForTrainingOnly() throws Exception {
    Path gpuPreset = ROOT.resolve("conf/yarn-gpu.conf");
    Submitted sft = yarnSubmit(Map.of(), "sft", "-c", gpuPreset.toString());
    assertEquals(0, sft.run.code, sft.run.output);
    List<String> settings = confs(sft.args);
    assertTrue(settings.containsAll(List.of("spark.executor.resource.gpu.amount=1", "spark.task.resource.gpu.amount=1",
        "spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh", "spark.task.cpus=8",
        "spark.executor.memoryOverhead=24g", "spark.driver.maxResultSize=8g")), settings.toString());
    assertEquals(List.of("rlhf.conf", "getGpusResources.sh"), sft.shipped);
    assertTrue(Files.isExecutable(dir.resolve("shipped/getGpusResources.sh")));

    Submitted prepare = yarnSubmit(Map.of(), "prepare", "-c", gpuPreset.toString());
    assertEquals(0, prepare.run.code, prepare.run.output);
    assertTrue(confs(prepare.args).stream().noneMatch(s -> s.contains("resource.gpu")), prepare.args.toString());
    assertEquals(List.of("rlhf.conf"), prepare.shipped);

    Submitted cpu = yarnSubmit(Map.of("GPUS_PER_EXECUTOR", "0"), "sft", "-c", gpuPreset.toString());
    assertTrue(confs(cpu.args).stream().noneMatch(s -> s.contains("resource.gpu")), cpu.args.toString());
  }

  @Test
  void yarnSubmitRefusesSparkSubmitsConfOptionAndPrintsUsage() throws Exception {
    Submitted conf = yarnSubmit(Map.of(), "sft", "--conf", "x.conf");
    assertEquals(2, conf.run.code, conf.run.output);
    assertTrue(conf.run.output.contains("-c/--config"), conf.run.output);
    assertFalse(Files.exists(dir.resolve("args.txt")), "nothing submitted");
    Run bare = run(dir, Map.of(), ROOT.resolve("deploy/yarn/submit.sh").toString());
    assertEquals(2, bare.code);
    assertTrue(bare.output.contains("Submit an rlhf command to YARN"), bare.output);
    Submitted missing = yarnSubmit(Map.of(), "sft", "-c", dir.resolve("nope.conf").toString());
    assertEquals(2, missing.run.code, missing.run.output);
    assertTrue(missing.run.output.contains("configuration file not found: " + dir.resolve("nope.conf")), missing.run.output);
  }

  @Test
  void k8sSubmitResolvesOnTheClientAndShipsTheOneFileThroughSparkConfDir() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(Files.createDirectories(conf.resolve("models")).resolve("tiny.conf"),
        "rlhf.prepare.tokenizer { kind = hf, path = \"s3a://b/models/tiny/tokenizer.json\" }\nrlhf.sft.max-steps = 77\n");
    Path user = Files.writeString(conf.resolve("cluster.conf"), "include \"models/tiny.conf\"\n"
        + "rlhf.spark.conf {\n  \"spark.executor.cores\" = 4\n  \"spark.driver.memory\" = \"6g\"\n"
        + "  \"spark.executor.resource.gpu.amount\" = 1\n}\n");
    Path clientConf = Files.createDirectories(dir.resolve("client-spark-conf"));
    Files.writeString(clientConf.resolve("spark-defaults.conf"), "spark.eventLog.enabled true\n");
    Files.writeString(clientConf.resolve("log4j2.properties"), "rootLogger.level = warn\n");
    Submitted sft = k8sSubmit(Map.of("EXECUTORS", "3", "SPARK_CONF_DIR", clientConf.toString(),
        "GPU_NODE_SELECTOR", "nvidia.com/gpu.present=true,pool=a100"),
        "sft", "-c", user.toString(), "--set", "sft.micro-batch=3", "-o", "s3a://b/runs/a", "--resume");

    assertEquals(0, sft.run.code, sft.run.output);
    assertTrue(sft.args.containsAll(List.of("--master", "k8s://https://k8s:6443", "--deploy-mode", "cluster")), sft.args.toString());
    assertEquals("io.sparkrlhf.cli.RlhfDriver", after(sft.args, "--class"));
    assertEquals(List.of("local:///opt/rlhf/rlhf-jobs.jar", "sft", "--config", "/opt/spark/conf/rlhf.conf", "-o", "s3a://b/runs/a",
        "--resume"), sft.args.subList(sft.args.indexOf("local:///opt/rlhf/rlhf-jobs.jar"), sft.args.size()));
    // spark-submit mounts SPARK_CONF_DIR's files at /opt/spark/conf in the driver: the resolved file
    // beside the client's own Spark configuration, which stays in force.
    assertEquals(List.of("log4j2.properties", "rlhf.conf", "spark-defaults.conf"), sft.shipped);
    assertEquals("spark.eventLog.enabled true\n", Files.readString(dir.resolve("shipped/spark-defaults.conf")));
    Config expected = RlhfConfig.load(List.of(user.toFile()),
        List.of("sft.micro-batch=3", "spark.conf.\"spark.executor.instances\"=\"3\""));
    Files.delete(conf.resolve("models/tiny.conf")); // what the pod does not have
    Config shipped = RlhfConfig.load(List.of(dir.resolve("shipped/rlhf.conf").toFile()), List.of());
    assertEquals(expected.getConfig("rlhf").root().unwrapped(), shipped.getConfig("rlhf").root().unwrapped());
    assertEquals(77, shipped.getInt("rlhf.sft.max-steps"));
    assertEquals("s3a://b/models/tiny/tokenizer.json", shipped.getString("rlhf.prepare.tokenizer.path"));
    List<String> settings = confs(sft.args);
    assertTrue(settings.containsAll(List.of("spark.executor.cores=4", "spark.task.cpus=4", "spark.driver.memory=6g",
        "spark.executor.instances=3", "spark.executor.resource.gpu.amount=1", "spark.task.resource.gpu.amount=1",
        "spark.executor.resource.gpu.vendor=nvidia.com",
        "spark.executor.resource.gpu.discoveryScript=/opt/rlhf/bin/getGpusResources.sh",
        "spark.kubernetes.executor.node.selector.nvidia.com/gpu.present=true",
        "spark.kubernetes.executor.node.selector.pool=a100")), settings.toString());
    assertFalse(Files.exists(Path.of(Files.readString(dir.resolve("conf-dir.txt")).strip())),
        "the private SPARK_CONF_DIR is removed after submission");
  }

  @Test
  void k8sSubmitRefusesSecretsBecauseTheFileTravelsInAConfigMap() throws Exception {
    Path user = Files.writeString(dir.resolve("secret.conf"),
        "rlhf.spark.conf { \"spark.hadoop.fs.s3a.secret.key\" = \"S3cr3t/Value\" }\n");
    Submitted sft = k8sSubmit(Map.of(), "sft", "-c", user.toString());
    assertEquals(2, sft.run.code, sft.run.output);
    assertTrue(sft.run.output.contains("spark.hadoop.fs.s3a.secret.key"), sft.run.output);
    assertTrue(sft.run.output.contains("ConfigMap"), sft.run.output);
    assertFalse(sft.run.output.contains("S3cr3t"), sft.run.output);
    assertEquals(List.of(), sft.args, "nothing submitted");
  }

  @Test
  void k8sSubmitRunsWithEmptyArraysOnTheDefaultPresetAndPrintsUsage() throws Exception {
    // The repository's conf/k8s.conf; no GPU for prepare and no selector: both option arrays empty.
    Submitted prepare = k8sSubmit(Map.of(), "prepare");
    assertEquals(0, prepare.run.code, prepare.run.output);
    List<String> settings = confs(prepare.args);
    assertTrue(settings.containsAll(List.of("spark.task.cpus=1", "spark.executor.instances=4", "spark.executor.memoryOverhead=16g")),
        settings.toString());
    assertTrue(settings.stream().noneMatch(s -> s.contains("node.selector") || s.contains("resource.gpu")), settings.toString());
    assertEquals(List.of("rlhf.conf"), prepare.shipped);
    assertEquals(RlhfConfig.load(List.of(ROOT.resolve("conf/k8s.conf").toFile()), List.of()).getString("rlhf.prepare.output"),
        RlhfConfig.load(List.of(dir.resolve("shipped/rlhf.conf").toFile()), List.of()).getString("rlhf.prepare.output"));

    Submitted sftDefault = k8sSubmit(Map.of(), "sft");
    assertTrue(confs(sftDefault.args).containsAll(List.of("spark.executor.resource.gpu.amount=1", "spark.task.cpus=8")),
        sftDefault.args.toString());
    Submitted cpu = k8sSubmit(Map.of("GPUS_PER_EXECUTOR", "0"), "sft");
    assertEquals(0, cpu.run.code, cpu.run.output);
    assertTrue(confs(cpu.args).stream().noneMatch(s -> s.contains("resource.gpu") || s.contains("podTemplate")), cpu.args.toString());

    Path script = ROOT.resolve("deploy/k8s/submit.sh");
    Run bare = run(dir, Map.of(), script.toString());
    assertEquals(2, bare.code);
    assertTrue(bare.output.contains("GPU_NODE_SELECTOR"), bare.output);
    Run noApi = run(dir, Map.of("IMAGE", "x"), script.toString(), "sft");
    assertEquals(2, noApi.code);
    assertTrue(noApi.output.contains("set K8S_API"), noApi.output);
    Submitted conf = k8sSubmit(Map.of(), "sft", "--conf", "a");
    assertEquals(2, conf.run.code);
    assertTrue(conf.run.output.contains("-c/--config"), conf.run.output);
    Submitted inImage = k8sSubmit(Map.of(), "sft", "-c", "/opt/rlhf/conf/k8s.conf");
    assertEquals(2, inImage.run.code);
    assertTrue(inImage.run.output.contains("configuration file not found: /opt/rlhf/conf/k8s.conf"), inImage.run.output);
  }

  @Test
  void launcherRebuildsWhenASourceIsNewerThanTheJar() throws Exception {
    Path root = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(root.resolve("bin"));
    Files.copy(ROOT.resolve("bin/rlhf"), root.resolve("bin/rlhf"));
    Files.copy(ROOT.resolve("bin/native-memory.sh"), root.resolve("bin/native-memory.sh"));
    Path target = Files.createDirectories(root.resolve("spark-jobs/target"));
    Path jar = Files.writeString(target.resolve("rlhf-spark-jobs-0.1.0-SNAPSHOT.jar"), "jar");
    Files.writeString(target.resolve("classpath-runtime.txt"), "/r.jar");
    Files.writeString(target.resolve("classpath-provided.txt"), "/p.jar");
    Path source = Files.createDirectories(root.resolve("model/src/main/java")).resolve("A.java");
    Files.writeString(source, "class A {}");
    Files.writeString(root.resolve("pom.xml"), "<project/>");
    Path bin = fakeCommand("mvn", "echo built >> \"" + dir.resolve("mvn.log") + "\"");
    fakeCommand("java", "echo \"java $*\"");
    Map<String, String> env = Map.of("PATH", bin + ":/usr/bin:/bin");
    Instant now = Instant.now();
    touch(source, now.minusSeconds(60));
    touch(root.resolve("pom.xml"), now.minusSeconds(60));
    touch(jar, now);

    Run current = run(dir, env, root.resolve("bin/rlhf").toString(), "config");
    assertEquals(0, current.code, current.output);
    assertFalse(Files.exists(dir.resolve("mvn.log")), "a current jar is not rebuilt: " + current.output);
    assertTrue(current.output.contains("io.sparkrlhf.cli.RlhfCli config"), current.output);

    touch(source, now.plusSeconds(60));
    Run stale = run(dir, env, root.resolve("bin/rlhf").toString(), "config");
    assertEquals(0, stale.code, stale.output);
    assertEquals(List.of("built"), Files.readAllLines(dir.resolve("mvn.log")), stale.output);
    assertTrue(stale.output.contains("model/src/main/java/A.java changed since the jar was built"), stale.output);
  }

  @Test
  void dockerImageRunsTheBuildsSparkAndItsContextHoldsWhatItCopies() throws Exception {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher version = Pattern.compile("<spark.version>([^<]+)</spark.version>").matcher(pom);
    assertTrue(version.find());
    String dockerfile = Files.readString(ROOT.resolve("deploy/docker/Dockerfile"));
    Matcher image = Pattern.compile("ARG SPARK_IMAGE=apache/spark:([0-9.]+)").matcher(dockerfile);
    assertTrue(image.find(), dockerfile);
    assertEquals(version.group(1), image.group(1), "the image's Spark is the one the jar is built against");

    List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore"));
    Matcher copy = Pattern.compile("(?m)^COPY (?!.*--from=)(?:--\\S+ )*(\\S+) ").matcher(dockerfile);
    int copies = 0;
    while (copy.find()) {
      copies++;
      String source = copy.group(1).replaceAll("/$", "");
      assertTrue(ignore.contains("!" + source) || ignore.contains("!" + source + "/"),
          ".dockerignore must keep " + source + " in the context");
      if (!source.endsWith(".jar")) {
        assertTrue(Files.exists(ROOT.resolve(source)), source);
      }
    }
    assertEquals(2, copies, dockerfile);
  }

  @Test
  void gpuImageKeepsLibtorchInALayerOfItsOwnAndOutOfTheJobJar() throws Exception {
    // -Pgpu: spark-jobs' profile adds the native libtorch jars to the job jar's excludes. It merges into
    // the build's shade execution only under the same id, and must append to (not replace) its excludes.
    Document jobs = xml(ROOT.resolve("spark-jobs/pom.xml"));
    Element buildShade = shadeExecution(child(jobs.getDocumentElement(), "build"));
    Element profile = profile(jobs, "gpu");
    Element gpuShade = shadeExecution(child(profile, "build"));
    assertEquals(text(child(buildShade, "id")), text(child(gpuShade, "id")), "the profile must name the build's execution");
    Element gpuExcludes = child(child(child(gpuShade, "configuration"), "artifactSet"), "excludes");
    assertEquals("append", gpuExcludes.getAttribute("combine.children"), "the build's own excludes (Jackson, SLF4J) must stay");
    assertEquals(List.of("ai.djl.pytorch:pytorch-native-*"), texts(gpuExcludes, "exclude"));
    assertTrue(texts(child(child(child(buildShade, "configuration"), "artifactSet"), "excludes"), "exclude")
        .contains("com.fasterxml.jackson.core:*"));
    String rootPom = Files.readString(ROOT.resolve("pom.xml"));
    assertFalse(rootPom.contains("pytorch-native-cu"), "no CUDA libtorch jar in the build: DJL publishes none for "
        + "libtorch 2.7.1 on Maven Central, and it belongs in the image's own layer");

    // The image: libtorch from the pom's version in a layer before the job jar's, DJL pointed at it.
    String dockerfile = Files.readString(ROOT.resolve("deploy/docker/Dockerfile"));
    Matcher pytorch = Pattern.compile("<pytorch.version>([^<]+)</pytorch.version>").matcher(rootPom);
    assertTrue(pytorch.find());
    assertEquals(pytorch.group(1), arg(dockerfile, "LIBTORCH_VERSION"), "the image's libtorch is the one DJL's JNI is built for");
    String flavor = arg(dockerfile, "LIBTORCH_FLAVOR");
    assertTrue(DeployScriptsTest.class.getResource("/jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so") != null,
        "pytorch-jni has no JNI for flavor " + flavor);
    java.util.Properties jni = new java.util.Properties();
    try (var in = DeployScriptsTest.class.getResourceAsStream("/jnilib/pytorch.properties")) {
      jni.load(in);
    }
    assertTrue(jni.getProperty("jni_version").startsWith(pytorch.group(1) + "-"), jni.toString());
    List<String> steps = dockerfile.lines().filter(l -> l.matches("^(COPY|RUN|ENV|FROM) .*")).toList();
    int lastFrom = steps.stream().filter(l -> l.startsWith("FROM ")).mapToInt(steps::indexOf).max().orElseThrow();
    List<String> image = steps.subList(lastFrom, steps.size());
    assertTrue(image.get(image.size() - 1).startsWith("COPY spark-jobs/target/rlhf-jobs.jar "),
        "the job jar is the last layer, so a code change rebuilds only it: " + image);
    Matcher libtorch = Pattern.compile("(?m)^COPY --from=libtorch \\S+ (\\S+)$").matcher(dockerfile);
    assertTrue(libtorch.find(), dockerfile);
    assertTrue(dockerfile.contains("PYTORCH_LIBRARY_PATH=" + libtorch.group(1).replaceAll("/$", "")), dockerfile);
    assertTrue(dockerfile.contains("PYTORCH_VERSION=${LIBTORCH_VERSION}"), dockerfile);
    assertTrue(dockerfile.contains("PYTORCH_FLAVOR=${LIBTORCH_FLAVOR}"), dockerfile);
  }

  // --- helpers ---

  record Run(int code, String output) {}

  record Submitted(Run run, List<String> args, List<String> shipped) {}

  /** deploy/yarn/submit.sh; {@code shipped} names the --files in their order. */
  private Submitted yarnSubmit(Map<String, String> extraEnv, String... args) throws Exception {
    List<String> submitted = submit("deploy/yarn/submit.sh", extraEnv, args);
    Run run = lastRun;
    List<String> names = new ArrayList<>();
    String files = submitted.isEmpty() ? null : after(submitted, "--files");
    if (files != null) {
      for (String f : files.split(",")) {
        names.add(Path.of(f).getFileName().toString());
      }
    }
    return new Submitted(run, submitted, names);
  }

  /** deploy/k8s/submit.sh; {@code shipped} names, sorted, the files of the SPARK_CONF_DIR spark-submit ran with. */
  private Submitted k8sSubmit(Map<String, String> extraEnv, String... args) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(Map.of("K8S_API", "https://k8s:6443", "IMAGE", "reg/rlhf:1"));
    env.putAll(extraEnv);
    List<String> submitted = submit("deploy/k8s/submit.sh", env, args);
    List<String> names = new ArrayList<>();
    if (!submitted.isEmpty()) {
      try (Stream<Path> files = Files.list(dir.resolve("shipped"))) {
        files.map(p -> p.getFileName().toString()).sorted().forEach(names::add);
      }
    }
    return new Submitted(lastRun, submitted, names);
  }

  private Run lastRun;

  /** Runs {@code script} with a recording spark-submit and the test classpath to resolve with; returns what it submitted. */
  private List<String> submit(String script, Map<String, String> extraEnv, String... args) throws Exception {
    Files.deleteIfExists(dir.resolve("args.txt"));
    Path shipped = dir.resolve("shipped");
    if (Files.exists(shipped)) {
      try (Stream<Path> old = Files.list(shipped)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
    }
    Map<String, String> env = new java.util.HashMap<>();
    env.put("SPARK_SUBMIT", recordingSparkSubmit().toString());
    env.put("RLHF_JAR", jar().toString());
    env.put("RLHF_CLIENT_CLASSPATH", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    env.put("SPARK_CONF_DIR", dir.resolve("no-client-conf").toString());
    env.putAll(extraEnv);
    List<String> command = new ArrayList<>(List.of(ROOT.resolve(script).toString()));
    command.addAll(Arrays.asList(args));
    lastRun = run(dir, env, command.toArray(String[]::new));
    return Files.exists(dir.resolve("args.txt")) ? Files.readAllLines(dir.resolve("args.txt")) : List.of();
  }

  private Path jar() throws IOException {
    Path jar = dir.resolve("rlhf-jobs.jar");
    if (!Files.exists(jar)) {
      Files.writeString(jar, "stand-in");
    }
    return jar;
  }

  /**
   * A spark-submit that writes its arguments, one per line, and copies what reaches the cluster: the
   * --files it is given (YARN) and, on Kubernetes, the files of its SPARK_CONF_DIR (the driver's ConfigMap).
   */
  private Path recordingSparkSubmit() throws IOException {
    return fakeCommand("spark-submit", String.join("\n",
        "printf '%s\\n' \"$@\" > '" + dir.resolve("args.txt") + "'",
        "mkdir -p '" + dir.resolve("shipped") + "'",
        "case \"$*\" in *k8s://*) cp -p \"$SPARK_CONF_DIR\"/* '" + dir.resolve("shipped") + "'/;"
            + " printf '%s' \"$SPARK_CONF_DIR\" > '" + dir.resolve("conf-dir.txt") + "' ;; esac",
        "while [ $# -gt 0 ]; do",
        "  if [ \"$1\" = --files ]; then for f in $(printf '%s' \"$2\" | tr ',' ' '); do cp -p \"$f\" '" + dir.resolve("shipped") + "'/; done; fi",
        "  shift",
        "done")).resolve("spark-submit");
  }

  /** A command named {@code name} in a bin folder of this test, running {@code body}; returns the folder. */
  private Path fakeCommand(String name, String body) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path file = bin.resolve(name);
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  private static void touch(Path p, Instant when) throws IOException {
    Files.setLastModifiedTime(p, FileTime.from(when));
  }

  private static String arg(String dockerfile, String name) {
    Matcher m = Pattern.compile("(?m)^ARG " + name + "=(\\S+)$").matcher(dockerfile);
    assertTrue(m.find(), "ARG " + name + " with a default in the Dockerfile");
    return m.group(1);
  }

  private static Document xml(Path file) throws Exception {
    return javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
  }

  private static Element child(Element parent, String name) {
    for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static String text(Element e) {
    return e.getTextContent().strip();
  }

  private static List<String> texts(Element parent, String name) {
    return children(parent, name).stream().map(DeployScriptsTest::text).toList();
  }

  private static Element profile(Document pom, String id) {
    return children(child(pom.getDocumentElement(), "profiles"), "profile").stream()
        .filter(p -> text(child(p, "id")).equals(id)).findFirst().orElseThrow(() -> new AssertionError("no profile " + id));
  }

  /** The one execution of maven-shade-plugin under {@code build}. */
  private static Element shadeExecution(Element build) {
    Element shade = children(child(build, "plugins"), "plugin").stream()
        .filter(p -> text(child(p, "artifactId")).equals("maven-shade-plugin")).findFirst().orElseThrow();
    List<Element> executions = children(child(shade, "executions"), "execution");
    assertEquals(1, executions.size());
    return executions.get(0);
  }

  private static String after(List<String> args, String option) {
    int i = args.indexOf(option);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  private static List<String> confs(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--conf")) {
        out.add(args.get(i + 1));
      }
    }
    return out;
  }

  static Run run(Path workDir, Map<String, String> env, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().remove("CUDA_VISIBLE_DEVICES");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
