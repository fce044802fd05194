package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts of the curves in metrics.jsonl (XChart, headless). */
public final class TrainingPlots {
  private TrainingPlots() {}

  /** One chart per figure: its title and the (split, field) series it draws. */
  private record Figure(String file, String title, String yLabel, List<String[]> series) {}

  private static final List<Figure> FIGURES = List.of(
      new Figure("loss.png", "Loss", "loss", List.of(new String[] {"train", "loss"}, new String[] {"eval", "eval_loss"})),
      new Figure("accuracy.png", "Pairwise accuracy", "accuracy",
          List.of(new String[] {"train", "accuracy"}, new String[] {"eval", "eval_accuracy"})),
      new Figure("learning_rate.png", "Learning rate", "lr", List.<String[]>of(new String[] {"train", "lr"})),
      new Figure("grad_norm.png", "Gradient norm (before clipping)", "norm",
          List.<String[]>of(new String[] {"train", "grad_norm"})),
      new Figure("throughput.png", "Throughput", "tokens/s", List.<String[]>of(new String[] {"train", "tokens_per_s"})),
      new Figure("step_time.png", "Step time", "seconds", List.of(new String[] {"train", "compute_s"},
          new String[] {"train", "transfer_s"}, new String[] {"train", "replica_wait_s"}, new String[] {"train", "overhead_s"},
          new String[] {"train", "update_s"})),
      // PPO (TRL's metric names)
      new Figure("reward.png", "Reward-model score", "score", List.of(new String[] {"train", "env/reward_mean"},
          new String[] {"eval", "eval/reward_mean"})),
      new Figure("kl.png", "KL to the reference (per response)", "nats", List.of(new String[] {"train", "objective/kl"},
          new String[] {"eval", "eval/kl"})),
      new Figure("kl_coef.png", "KL coefficient", "beta", List.<String[]>of(new String[] {"train", "objective/kl_coef"})),
      new Figure("ppo_losses.png", "PPO losses", "loss", List.of(new String[] {"train", "ppo/loss/policy"},
          new String[] {"train", "ppo/loss/value"})),
      new Figure("clipfrac.png", "Clipped fraction", "fraction", List.of(new String[] {"train", "ppo/policy/clipfrac"},
          new String[] {"train", "ppo/val/clipfrac"})),
      new Figure("response_length.png", "Response length", "tokens", List.of(
          new String[] {"train", "tokens/responses_len_mean"}, new String[] {"eval", "eval/response_length"})),
      new Figure("ppo_time.png", "PPO iteration time", "seconds", List.of(new String[] {"train", "time/ppo/rollout"},
          new String[] {"train", "time/ppo/forward_pass"}, new String[] {"train", "time/ppo/scoring"},
          new String[] {"train", "time/ppo/optimize_step"})),
      // DPO (TRL's metric names)
      new Figure("dpo_rewards.png", "Implicit rewards beta*(log pi - log pi_ref)", "reward", List.of(
          new String[] {"train", "rewards/chosen"}, new String[] {"train", "rewards/rejected"},
          new String[] {"eval", "eval_rewards/chosen"}, new String[] {"eval", "eval_rewards/rejected"})),
      new Figure("dpo_margins.png", "Implicit reward margin (chosen - rejected)", "reward", List.of(
          new String[] {"train", "rewards/margins"}, new String[] {"eval", "eval_rewards/margins"})),
      new Figure("dpo_logps.png", "Policy log-probs of the responses", "log p", List.of(
          new String[] {"train", "logps/chosen"}, new String[] {"train", "logps/rejected"},
          new String[] {"eval", "eval_logps/chosen"}, new String[] {"eval", "eval_logps/rejected"})));

  /** Writes the charts that have data into {@code dir}; returns the files written. */
  public static List<Path> write(List<? extends JsonNode> lines, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    for (Figure f : FIGURES) {
      Map<String, double[][]> data = new LinkedHashMap<>();
      for (String[] s : f.series()) {
        List<double[]> points = new ArrayList<>();
        for (JsonNode n : lines) {
          JsonNode v = n.get(s[1]);
          if (s[0].equals(n.path("split").asText()) && v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
            points.add(new double[] {n.path("step").asDouble(), v.asDouble()});
          }
        }
        if (!points.isEmpty()) {
          double[][] xy = new double[2][points.size()];
          for (int i = 0; i < points.size(); i++) {
            xy[0][i] = points.get(i)[0];
            xy[1][i] = points.get(i)[1];
          }
          data.put(s[0] + " " + s[1], xy);
        }
      }
      if (data.isEmpty()) {
        continue;
      }
      XYChart chart = new XYChartBuilder().width(800).height(500).title(f.title()).xAxisTitle("step")
          .yAxisTitle(f.yLabel()).build();
      for (Map.Entry<String, double[][]> e : data.entrySet()) {
        var series = chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]);
        series.setMarker(e.getValue()[0].length > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
      }
      Path out = dir.resolve(f.file());
      BitmapEncoder.saveBitmap(chart, out.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(out);
    }
    return written;
  }
}
