package io.sparkrlhf.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The settings a run records in each checkpoint ({@code trainer_state.json}, by configuration key)
 * so that {@code --resume} can compare them with its own. A changed setting that decides what the
 * checkpoint means (the adapters' shape and scale, state restored from the checkpoint) is refused,
 * with the reason; any other change (the learning rate, ...) is allowed and named in a warning,
 * since the resumed run then no longer equals an uninterrupted one. The data plan (seed, batch,
 * data size) is checked on its own, for every run.
 */
public final class RunSettings {
  public static final RunSettings NONE = new RunSettings(List.of());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A setting and, if a change to it is refused, why. */
  public record Setting(String key, JsonNode value, String refusedBecause) {}

  /** A setting whose value differs from the recorded one. */
  public record Change(Setting setting, JsonNode recorded) {
    public String describe() {
      return setting.key() + " " + text(recorded) + " -> " + text(setting.value());
    }
  }

  /** The differences from a checkpoint's record: those refused and those only warned about. */
  public record Changes(List<Change> refused, List<Change> allowed) {}

  private final List<Setting> settings;

  private RunSettings(List<Setting> settings) {
    this.settings = List.copyOf(settings);
  }

  /** This and {@code key}; a change on resume will be refused {@code because} (what it would break). */
  public RunSettings fixed(String key, Object value, String because) {
    return with(new Setting(key, normalized(value), because));
  }

  /** This and {@code key}; a change on resume will be named in a warning. */
  public RunSettings tunable(String key, Object value) {
    return with(new Setting(key, normalized(value), null));
  }

  private RunSettings with(Setting s) {
    List<Setting> all = new ArrayList<>(settings);
    all.add(s);
    return new RunSettings(all);
  }

  public List<Setting> settings() {
    return settings;
  }

  /** The record written into each checkpoint: key → value. */
  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    settings.forEach(s -> n.set(s.key(), s.value()));
    return n;
  }

  /** How this run's settings differ from {@code recorded}; keys the record lacks (added since) are not compared. */
  public Changes compare(JsonNode recorded) {
    List<Change> refused = new ArrayList<>();
    List<Change> allowed = new ArrayList<>();
    for (Setting s : settings) {
      JsonNode was = recorded.get(s.key());
      if (was != null && !normalized(was).equals(s.value())) {
        (s.refusedBecause() != null ? refused : allowed).add(new Change(s, was));
      }
    }
    return new Changes(refused, allowed);
  }

  /** The message refusing {@code changes}: each setting, its recorded and new value, and why. */
  static String describeRefused(List<Change> changes) {
    return changes.stream().map(c -> c.describe() + " (" + c.setting().refusedBecause() + ")")
        .collect(Collectors.joining("; "));
  }

  static String describeAllowed(List<Change> changes) {
    return changes.stream().map(Change::describe).collect(Collectors.joining(", "));
  }

  /** The value as it reads back from JSON, so that 2 and 2L, or a list and its JSON array, compare equal. */
  private static JsonNode normalized(Object value) {
    try {
      return JSON.readTree(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("a run setting must be plain data, found " + value, e);
    }
  }

  private static String text(JsonNode n) {
    return n.isTextual() ? n.asText() : n.toString();
  }
}
