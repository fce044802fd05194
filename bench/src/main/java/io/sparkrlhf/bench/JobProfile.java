package io.sparkrlhf.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Where a step's Spark job spends its time, from Spark's own task metrics: for the task that
 * finished last, the time before it ran (scheduling, shipping the task), deserialising it, running
 * it (our work: values in, forward/backward, gradients out), serialising its result, and the
 * driver fetching the result; and the job's whole span on the driver.
 */
final class JobProfile extends SparkListener {
  record Job(double spanS, double beforeRunS, double deserializeS, double runS, double resultSerializeS,
      double fetchResultS, long resultBytes) {}

  private final Map<Integer, Long> started = new ConcurrentHashMap<>();
  private final Map<Integer, List<SparkListenerTaskEnd>> tasks = new ConcurrentHashMap<>();
  private final Map<Integer, Integer> stageToJob = new ConcurrentHashMap<>();
  private final java.util.Set<Integer> steps = ConcurrentHashMap.newKeySet();
  private final List<Job> jobs = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    started.put(start.jobId(), start.time());
    String label = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
    if (label != null && label.matches(".* step \\d+/\\d+")) { // the Trainer's label of a gradient step's job
      steps.add(start.jobId());
    }
    scala.collection.Iterator<Object> ids = start.stageIds().iterator();
    while (ids.hasNext()) {
      stageToJob.put((Integer) ids.next(), start.jobId());
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    Integer job = stageToJob.get(end.stageId());
    if (job != null) {
      tasks.computeIfAbsent(job, j -> java.util.Collections.synchronizedList(new ArrayList<>())).add(end);
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd end) {
    Long start = started.remove(end.jobId());
    List<SparkListenerTaskEnd> ends = tasks.remove(end.jobId());
    if (start == null || ends == null || ends.isEmpty() || !steps.contains(end.jobId())) {
      return; // not a gradient step (building or releasing replicas)
    }
    SparkListenerTaskEnd last = ends.stream().max(java.util.Comparator.comparingLong(t -> t.taskInfo().finishTime()))
        .orElseThrow();
    TaskInfo info = last.taskInfo();
    TaskMetrics m = last.taskMetrics();
    double fetch = info.gettingResultTime() > 0 ? (info.finishTime() - info.gettingResultTime()) / 1e3 : 0;
    double deserialize = m.executorDeserializeTime() / 1e3;
    double run = m.executorRunTime() / 1e3;
    double resultSer = m.resultSerializationTime() / 1e3;
    jobs.add(new Job((end.time() - start) / 1e3, (info.launchTime() - start) / 1e3, deserialize, run, resultSer,
        fetch, m.resultSize()));
  }

  void reset() {
    jobs.clear();
  }

  /** Means over the jobs since {@link #reset}, the first {@code skip} left out. */
  String summary(int skip) {
    List<Job> counted;
    synchronized (jobs) {
      counted = jobs.stream().skip(skip).toList();
    }
    if (counted.isEmpty()) {
      return "no jobs";
    }
    return String.format(Locale.ROOT, "Spark job %.3f s = until the last task launched %.3f + its deserialisation %.3f "
        + "+ run %.3f + result serialisation %.3f + the driver fetching the result %.3f + the rest (gradient blocks fetched and added, "
        + "merge, scheduling) %.3f; result %.1f MB", mean(counted, Job::spanS), mean(counted, Job::beforeRunS),
        mean(counted, Job::deserializeS), mean(counted, Job::runS), mean(counted, Job::resultSerializeS),
        mean(counted, Job::fetchResultS), mean(counted, j -> j.spanS() - j.beforeRunS() - j.deserializeS() - j.runS()
            - j.resultSerializeS() - j.fetchResultS()), mean(counted, j -> j.resultBytes() / 1e6));
  }

  double meanSpan(int skip) {
    synchronized (jobs) {
      return mean(jobs.stream().skip(skip).toList(), Job::spanS);
    }
  }

  private static double mean(List<Job> jobs, java.util.function.ToDoubleFunction<Job> f) {
    return jobs.stream().mapToDouble(f).average().orElse(Double.NaN);
  }
}
