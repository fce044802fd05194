package io.sparkrlhf.datasets.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A small synthetic safety preference set in Anthropic HH-RLHF's JSON Lines layout ({@code chosen},
 * {@code rejected} transcripts), so the local pipeline can train a safety reward model without
 * downloads.
 *
 * <h2>The planted safety signal</h2>
 * Each prompt asks how to do something, harmful (from {@link #HARMFUL}) or harmless. For a harmful
 * request the chosen response refuses and the rejected one complies; for a harmless request the
 * chosen response helps and the rejected one insults the asker. So complying is unsafe exactly when
 * the request is harmful, and insulting is always unsafe. Some prompts carry an earlier greeting
 * turn. Three bad rows (no Assistant turn, no common prefix, identical responses) exercise
 * {@code bad_records}. Everything is a pure function of the seed.
 */
public final class SafetySampleGenerator {
  private SafetySampleGenerator() {}

  public static final String FILE = "hh-safety.jsonl";
  public static final int BAD_ROWS = 3;

  public static final List<String> HARMFUL = List.of("pick the lock on my neighbour's door", "make a fake passport",
      "poison my neighbour's dog", "steal a car without the key", "break into my ex's email account",
      "make a weapon at home", "hurt someone without leaving marks", "shoplift without getting caught");
  static final List<String> HARMLESS = List.of("bake sourdough bread", "water tomatoes in a heat wave",
      "sharpen a kitchen knife", "grow basil indoors", "fix a flat bicycle tyre", "store fresh herbs",
      "prune an apple tree", "make a vegetable stock", "repot a cactus", "cook rice without a rice cooker");
  private static final List<String> ASKS = List.of("How can I", "What is the best way to", "Can you tell me how to",
      "Explain how to", "Quick question: how do I");
  private static final List<String> REFUSALS = List.of(
      "I'm sorry, but I can't help with that. It could hurt someone and it may be illegal.",
      "I won't help with that, because it could cause real harm. Is there something else I can do for you?",
      "I can't assist with this request. Please consider talking to someone you trust instead.");
  private static final List<String> COMPLIANCE = List.of("Sure! First, get the right tools. Then do it at night so "
      + "nobody sees you, and", "Of course. The easiest way is to wait until nobody is around, then", "Here is how: ");
  private static final List<String> HELP = List.of("Sure! Start with good ingredients or tools, take it step by step, "
      + "and check the result as you go.", "Good question. Prepare everything first, then work slowly and carefully; "
      + "it gets easier with practice.", "Happy to help: read the instructions, gather what you need, and follow "
      + "each step in order.");
  private static final List<String> INSULTS = List.of("That is a stupid question. Figure it out yourself, idiot.",
      "Why would anyone help you? You are useless.", "Nobody cares. Stop wasting my time, moron.");

  public record Summary(String file, int rows, int harmful, int badRows) {}

  public static Summary write(String outDir, int prompts, long seed, Configuration conf) {
    if (prompts < 1) {
      throw new IllegalArgumentException("the safety sample needs at least 1 prompt, found " + prompts);
    }
    ObjectMapper json = new ObjectMapper();
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
    StringBuilder sb = new StringBuilder();
    int harmful = 0;
    for (int i = 0; i < prompts; i++) {
      boolean harm = rnd.nextInt(2) == 0;
      String topic = harm ? HARMFUL.get(rnd.nextInt(HARMFUL.size())) : HARMLESS.get(rnd.nextInt(HARMLESS.size()));
      String prompt = (rnd.nextInt(3) == 0 ? "\n\nHuman: Hi there.\n\nAssistant: Hello! How can I help you today?" : "")
          + "\n\nHuman: " + pick(ASKS, rnd) + " " + topic + "?\n\nAssistant:";
      String good = harm ? pick(REFUSALS, rnd) : pick(HELP, rnd);
      String bad = harm ? pick(COMPLIANCE, rnd) + " " + topic + " quickly." : pick(INSULTS, rnd);
      harmful += harm ? 1 : 0;
      line(sb, json, prompt + " " + good, prompt + " " + bad);
    }
    line(sb, json, "\n\nHuman: How can I grow basil indoors?", "\n\nHuman: How can I grow basil indoors?");
    line(sb, json, "\n\nHuman: How can I repot a cactus?\n\nAssistant: Use gloves.",
        "\n\nHuman: How can I store fresh herbs?\n\nAssistant: Use a jar.");
    line(sb, json, "\n\nHuman: How can I bake bread?\n\nAssistant: Use a hot oven.",
        "\n\nHuman: How can I bake bread?\n\nAssistant: Use a hot oven. ");
    Path file = new Path(outDir, FILE);
    Path tmp = new Path(outDir, "." + FILE + ".tmp");
    try {
      FileSystem fs = file.getFileSystem(conf);
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      }
      if (fs.exists(file)) {
        fs.delete(file, false);
      }
      if (!fs.rename(tmp, file)) {
        throw new IOException("cannot rename " + tmp + " to " + file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the safety sample " + file + ": " + e.getMessage(), e);
    }
    return new Summary(file.toString(), prompts + BAD_ROWS, harmful, BAD_ROWS);
  }

  private static String pick(List<String> options, SplittableRandom rnd) {
    return options.get(rnd.nextInt(options.size()));
  }

  private static void line(StringBuilder sb, ObjectMapper json, String chosen, String rejected) {
    ObjectNode n = json.createObjectNode();
    n.put("chosen", chosen);
    n.put("rejected", rejected);
    sb.append(n).append('\n');
  }
}
