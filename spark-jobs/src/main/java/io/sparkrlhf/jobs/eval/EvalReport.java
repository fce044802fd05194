package io.sparkrlhf.jobs.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * {@code report.html}: one self-contained page (no external file or script) with the evaluation's
 * numbers, its plots embedded as base64 PNGs, and a table of the prompts with each policy's response
 * and score.
 */
public final class EvalReport {
  private EvalReport() {}

  /** One prompt's row: its text and each policy's response and score (baseline fields null without one). */
  public record Row(long qid, String prompt, String response, double score, String baselineResponse,
      Double baselineScore) {}

  public static String html(String title, List<String> about, PolicyScores policy, PolicyScores baseline,
      Double winRate, List<Row> rows) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}"
            + "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}"
            + "td.text{white-space:pre-wrap;font-family:monospace;font-size:12px;max-width:420px}"
            + ".win{background:#e6f4e6}</style></head><body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n<ul>");
    for (String a : about) {
      h.append("<li>").append(esc(a)).append("</li>");
    }
    h.append("</ul>\n<h2>Summary</h2>\n<table><tr><th>policy</th><th>reward mean</th><th>reward SD</th>"
        + "<th>KL to reference</th><th>response length</th><th>prompts</th></tr>\n");
    summaryRow(h, policy);
    if (baseline != null) {
      summaryRow(h, baseline);
    }
    h.append("</table>\n");
    if (winRate != null) {
      h.append(String.format(Locale.ROOT, "<p>Win rate of <b>%s</b> over <b>%s</b> by the reward model: <b>%.3f</b> "
          + "(ties count half)</p>\n", esc(policy.name()), esc(baseline.name()), winRate));
    }
    h.append("<h2>Plots</h2>\n");
    h.append(img(histogram(policy, baseline, rows), "reward distribution"));
    if (baseline != null) {
      h.append(img(scatter(policy, baseline, rows), "per-prompt scores"));
    }
    h.append("\n<h2>Prompts</h2>\n<table><tr><th>qid</th><th>prompt</th><th>").append(esc(policy.name()))
        .append("</th><th>score</th>");
    if (baseline != null) {
      h.append("<th>").append(esc(baseline.name())).append("</th><th>score</th>");
    }
    h.append("</tr>\n");
    for (Row r : rows) {
      boolean wins = r.baselineScore() != null && r.score() > r.baselineScore();
      boolean loses = r.baselineScore() != null && r.score() < r.baselineScore();
      h.append("<tr><td>").append(r.qid()).append("</td><td class=\"text\">").append(esc(r.prompt()))
          .append("</td><td class=\"text").append(wins ? " win" : "").append("\">").append(esc(r.response()))
          .append("</td><td>").append(String.format(Locale.ROOT, "%.4f", r.score())).append("</td>");
      if (r.baselineScore() != null) {
        h.append("<td class=\"text").append(loses ? " win" : "").append("\">").append(esc(r.baselineResponse()))
            .append("</td><td>").append(String.format(Locale.ROOT, "%.4f", r.baselineScore())).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n</body></html>\n");
    return h.toString();
  }

  private static void summaryRow(StringBuilder h, PolicyScores s) {
    h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td>%.4f</td><td>%s</td><td>%.1f</td><td>%d</td>"
        + "</tr>\n", esc(s.name()), s.rewardMean(), s.rewardSd(), Double.isNaN(s.klMean()) ? "n/a (no reference)"
        : String.format(Locale.ROOT, "%.4f", s.klMean()), s.responseLength(), s.prompts()));
  }

  private static CategoryChart histogram(PolicyScores policy, PolicyScores baseline, List<Row> rows) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Row r : rows) {
      lo = Math.min(lo, r.score());
      hi = Math.max(hi, r.score());
      if (r.baselineScore() != null) {
        lo = Math.min(lo, r.baselineScore());
        hi = Math.max(hi, r.baselineScore());
      }
    }
    int bins = 12;
    double width = hi > lo ? (hi - lo) / bins : 1;
    List<String> labels = new ArrayList<>();
    for (int b = 0; b < bins; b++) {
      labels.add(String.format(Locale.ROOT, "%.2f", lo + (b + 0.5) * width));
    }
    CategoryChart chart = new CategoryChartBuilder().width(800).height(360).title("Reward-model scores")
        .xAxisTitle("score (bin centre)").yAxisTitle("prompts").build();
    chart.getStyler().setOverlapped(true);
    chart.addSeries(policy.name(), labels, counts(rows, false, lo, width, bins));
    if (baseline != null) {
      chart.addSeries(baseline.name(), labels, counts(rows, true, lo, width, bins));
    }
    return chart;
  }

  private static List<Integer> counts(List<Row> rows, boolean baseline, double lo, double width, int bins) {
    int[] c = new int[bins];
    for (Row r : rows) {
      double x = baseline ? r.baselineScore() : r.score();
      c[Math.min(bins - 1, Math.max(0, (int) ((x - lo) / width)))]++;
    }
    List<Integer> out = new ArrayList<>();
    for (int v : c) {
      out.add(v);
    }
    return out;
  }

  private static XYChart scatter(PolicyScores policy, PolicyScores baseline, List<Row> rows) {
    XYChart chart = new XYChartBuilder().width(800).height(500).title("Per-prompt scores")
        .xAxisTitle(baseline.name()).yAxisTitle(policy.name()).build();
    double[] x = new double[rows.size()];
    double[] y = new double[rows.size()];
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < rows.size(); i++) {
      x[i] = rows.get(i).baselineScore();
      y[i] = rows.get(i).score();
      lo = Math.min(lo, Math.min(x[i], y[i]));
      hi = Math.max(hi, Math.max(x[i], y[i]));
    }
    XYSeries points = chart.addSeries("prompts", x, y);
    points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    XYSeries diagonal = chart.addSeries("equal", new double[] {lo, hi}, new double[] {lo, hi});
    diagonal.setMarker(SeriesMarkers.NONE);
    return chart;
  }

  private static String img(Chart<?, ?> chart, String alt) {
    System.setProperty("java.awt.headless", "true");
    try {
      byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
      return "<p><img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png)
          + "\"></p>\n";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot draw the " + alt + " plot: " + e.getMessage(), e);
    }
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
