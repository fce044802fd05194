package io.sparkrlhf.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where libtorch spends a piece of work: its profiler's trace (Chrome format) reduced to each
 * operator's self time (its span less the operators it called), summed by name, with the share of
 * the matrix multiplies ({@code mm}, {@code addmm}, {@code bmm}) that the FLOP ceiling is about.
 */
final class OperatorProfile {
  private record Event(String name, long tid, double start, double duration) {}

  private OperatorProfile() {}

  static void print(Runnable work, int steps) {
    Path trace;
    try {
      trace = Files.createTempFile("libtorch-profile", ".json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JniUtils.startProfile(false, true, false);
    long t0 = System.nanoTime();
    work.run();
    double wall = (System.nanoTime() - t0) / 1e3; // µs, as the trace
    JniUtils.stopProfile(trace.toString());
    Map<String, Double> self = selfTimes(read(trace));
    double total = self.values().stream().mapToDouble(Double::doubleValue).sum();
    double matmul = 0;
    for (Map.Entry<String, Double> e : self.entrySet()) {
      if (e.getKey().matches("aten::(mm|addmm|bmm|baddbmm)")) {
        matmul += e.getValue();
      }
    }
    System.out.printf(Locale.ROOT, "libtorch profile of %d steps: %.3f s wall per step, operators' self time %.3f s per "
        + "step, of which matrix multiplies (mm, addmm, bmm) %.1f %%; trace %s%n", steps, wall / steps / 1e6,
        total / steps / 1e6, 100 * matmul / total, trace);
    List<Map.Entry<String, Double>> top = new ArrayList<>(self.entrySet());
    top.sort(Map.Entry.<String, Double>comparingByValue().reversed());
    for (Map.Entry<String, Double> e : top.subList(0, Math.min(30, top.size()))) {
      System.out.printf(Locale.ROOT, "  %6.1f %%  %8.1f ms/step  %s%n", 100 * e.getValue() / total,
          e.getValue() / steps / 1e3, e.getKey());
    }
  }

  private static List<Event> read(Path trace) {
    try {
      JsonNode root = new ObjectMapper().readTree(trace.toFile());
      JsonNode events = root.isArray() ? root : root.path("traceEvents");
      List<Event> out = new ArrayList<>();
      for (JsonNode e : events) {
        if ("X".equals(e.path("ph").asText()) && e.has("dur")) {
          out.add(new Event(e.path("name").asText(), e.path("tid").asLong(), e.path("ts").asDouble(),
              e.path("dur").asDouble()));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Per thread, each event's duration less its direct children's (events nest by time span). */
  static Map<String, Double> selfTimes(List<Event> events) {
    Map<Long, List<Event>> byThread = new HashMap<>();
    for (Event e : events) {
      byThread.computeIfAbsent(e.tid(), t -> new ArrayList<>()).add(e);
    }
    Map<String, Double> self = new HashMap<>();
    for (List<Event> thread : byThread.values()) {
      thread.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::duration).reversed()));
      Deque<Event> open = new ArrayDeque<>();
      for (Event e : thread) {
        while (!open.isEmpty() && open.peek().start() + open.peek().duration() <= e.start()) {
          open.pop();
        }
        if (!open.isEmpty()) {
          self.merge(open.peek().name(), -e.duration(), Double::sum);
        }
        self.merge(e.name(), e.duration(), Double::sum);
        open.push(e);
      }
    }
    return self;
  }
}
