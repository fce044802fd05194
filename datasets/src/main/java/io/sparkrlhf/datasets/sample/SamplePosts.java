package io.sparkrlhf.datasets.sample;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The text of the sample's posts: StackExchange-like HTML bodies (paragraphs, inline code,
 * {@code <pre><code>} blocks, links, lists, block quotes, emphasis, entities) over a Zipf-distributed
 * vocabulary, with a long-tailed number of paragraphs. Every answer is drawn from one distribution
 * whatever its quality; only the topic it talks about is chosen by the caller.
 */
final class SamplePosts {
  /** What a question asks about: its name and the words that come up when people talk about it. */
  record Topic(String name, List<String> words) {}

  /** One site's topics: a question asks about one, an answer talks about one. */
  record Site(List<Topic> topics) {}

  static final List<Site> SITES = List.of(
      new Site(List.of(
          new Topic("sourdough", List.of("starter", "levain", "hydration", "crumb", "rye", "discard", "banneton", "proof")),
          new Topic("risotto", List.of("arborio", "stock", "ladle", "parmesan", "saffron", "creamy", "shallot", "wine")),
          new Topic("custard", List.of("yolks", "vanilla", "cream", "curdle", "ramekin", "bain", "nutmeg", "set")),
          new Topic("caramel", List.of("syrup", "amber", "crystallize", "saucepan", "burnt", "toffee", "candy", "cream")))),
      new Site(List.of(
          new Topic("tomatoes", List.of("blight", "staking", "suckers", "vines", "blossom", "ripen", "cages", "heirloom")),
          new Topic("roses", List.of("thorns", "canes", "blackspot", "aphids", "bloom", "rootstock", "deadhead", "climber")),
          new Topic("orchids", List.of("bark", "aerial", "spike", "phalaenopsis", "humidity", "orchid", "keiki", "repotting")),
          new Topic("lavender", List.of("gravel", "woody", "fragrant", "bees", "stems", "sandy", "silver", "lavandula")))));

  private static final String[] VERBS = {
    "keep", "store", "fix", "start", "save", "grow", "prepare", "protect", "improve", "rescue", "feed", "handle"
  };
  private static final String[] TROUBLES = {
    "from going soft", "without it turning bitter", "in a small space", "over the winter", "on a budget",
    "when it is humid", "for a crowd", "without special tools", "in hard water", "after a heat wave"
  };
  private static final String[] TOOLS = {
    "thermometer", "scale", "timer", "sieve", "trowel", "sprayer", "whisk", "cloche", "mister", "tray"
  };
  /** Most frequent first: {@link Zipf} picks word i with probability proportional to 1/(i+1). */
  private static final String[] WORDS = {
    "the", "it", "you", "to", "and", "a", "of", "is", "in", "that", "for", "with", "if", "this", "on", "be", "can",
    "not", "your", "but", "are", "so", "or", "as", "will", "at", "should", "more", "just", "do", "have", "then",
    "when", "too", "some", "about", "after", "time", "water", "heat", "usually", "better", "keep", "try", "little",
    "first", "make", "because", "before", "until", "also", "slowly", "temperature", "minutes", "hours", "enough",
    "again", "sure", "night", "moisture", "light", "warm", "cool", "dry", "fresh", "batch", "layer", "salt", "soil",
    "pot", "leaves", "roots", "flour", "butter", "sugar", "oil", "shade", "sun", "ratio", "degrees", "weekly",
    "gently", "overnight", "texture", "humidity", "acid", "yeast", "mulch", "compost", "drainage", "crisp",
    "fungus", "seeds", "bottom", "surface", "edges", "container", "fridge", "oven", "window", "season", "spring",
    "rinse", "drain", "cover", "stir", "trim", "split", "check", "wait", "rest", "turn", "spread", "reduce",
    "thicken", "ferment", "prune", "repot", "fertilize", "transplant", "dense", "rich", "sticky", "wilted",
    "yellow", "brown", "soggy", "tough", "bland", "sour", "bitter", "common", "mistake", "trick", "problem",
    "result", "difference", "reason", "amount", "method", "recipe", "experience", "advice", "instead", "probably"
  };
  private static final String[] LANGUAGES = {"lang-python", "lang-none", "lang-bash", "lang-js"};

  /** The share of an answer's words that come from its topic's vocabulary. */
  static final double TOPICAL = 0.4;

  private final SplittableRandom rnd;
  private final Zipf words;

  SamplePosts(SplittableRandom rnd) {
    this.rnd = rnd;
    this.words = new Zipf(WORDS.length, 1.0);
  }

  String title(Topic topic) {
    return "How do I " + pick(VERBS) + " " + topic.name() + " " + pick(TROUBLES) + "?";
  }

  String questionBody(Topic topic) {
    StringBuilder b = new StringBuilder("<p>");
    b.append(sentenceAbout(topic)).append(" I tried a <code>").append(pick(TOOLS)).append("</code> but ")
        .append(lower(sentence(topic))).append("</p>\n");
    if (rnd.nextInt(3) == 0) {
      b.append("<blockquote>\n<p>").append(sentence(topic)).append("</p>\n</blockquote>\n");
    }
    b.append("<p>").append(sentence(topic)).append(" Any ideas &amp; tips?</p>\n");
    return b.toString();
  }

  /**
   * An answer about {@code topic}: it names the topic in two or three of its sentences; everything else
   * (length, code, lists, links, emphasis) is drawn independently of the topic and of its quality.
   */
  String answerBody(Topic topic) {
    int paragraphs = 1;
    while (paragraphs < 8 && rnd.nextInt(100) < 40) { // geometric: a long tail of long answers
      paragraphs++;
    }
    int mentions = 2 + rnd.nextInt(2);
    int[] mentionIn = new int[mentions];
    for (int m = 0; m < mentions; m++) {
      mentionIn[m] = m == 0 ? 0 : rnd.nextInt(paragraphs);
    }
    boolean link = rnd.nextInt(100) < 30;
    boolean list = rnd.nextInt(100) < 30;
    boolean code = rnd.nextInt(100) < 35;
    int listAfter = rnd.nextInt(paragraphs);
    int codeAfter = rnd.nextInt(paragraphs);
    StringBuilder b = new StringBuilder();
    for (int p = 0; p < paragraphs; p++) {
      b.append("<p>");
      int sentences = 1 + rnd.nextInt(2);
      int aboutTopic = count(mentionIn, p);
      for (int s = 0; s < Math.max(sentences, aboutTopic); s++) {
        b.append(s > 0 ? " " : "").append(s < aboutTopic ? sentenceAbout(topic) : decorated(sentence(topic)));
      }
      if (p == 0 && link) {
        b.append(" See <a href=\"https://example.org/").append(pick(WORDS)).append("-").append(pick(WORDS))
            .append("\" rel=\"nofollow noreferrer\">this ").append(pick(TOOLS)).append(" guide</a>.");
      }
      b.append("</p>\n");
      if (list && p == listAfter) {
        boolean ordered = rnd.nextBoolean();
        b.append(ordered ? "<ol>\n" : "<ul>\n");
        for (int i = 0, n = 2 + rnd.nextInt(3); i < n; i++) {
          b.append("<li>").append(capital(pick(WORDS))).append(" the ").append(pick(WORDS)).append(' ')
              .append(pick(WORDS)).append("</li>\n");
        }
        b.append(ordered ? "</ol>\n" : "</ul>\n");
      }
      if (code && p == codeAfter) {
        b.append(codeBlock());
      }
    }
    return b.toString();
  }

  private String codeBlock() {
    StringBuilder b = new StringBuilder("<pre class=\"").append(pick(LANGUAGES)).append("\"><code>");
    b.append("for step in range(").append(2 + rnd.nextInt(9)).append("):\n");
    b.append("    ").append(pick(TOOLS)).append(".").append(pick(VERBS)).append("(&quot;").append(pick(WORDS))
        .append("&quot;, degrees=").append(rnd.nextInt(250)).append(")\n");
    if (rnd.nextBoolean()) {
      b.append("    if step &gt; 1 and ratio &lt; 0.").append(rnd.nextInt(10)).append(":\n        break\n");
    }
    return b.append("</code></pre>\n").toString();
  }

  /** A sentence that names {@code topic}, in one of a few shapes. */
  private String sentenceAbout(Topic topic) {
    String name = topic.name();
    return switch (rnd.nextInt(4)) {
      case 0 -> "With " + name + " " + lower(sentence(topic));
      case 1 -> capital(name) + " " + lower(sentence(topic));
      case 2 -> withoutStop(sentence(topic)) + " for the " + name + ".";
      default -> "My " + name + " " + lower(sentence(topic));
    };
  }

  private String decorated(String sentence) {
    int r = rnd.nextInt(100);
    if (r < 8) {
      return "<strong>" + sentence + "</strong>";
    }
    if (r < 14) {
      return withoutStop(sentence) + ", about <code>" + (1 + rnd.nextInt(90)) + "</code> " + pick(WORDS) + ".";
    }
    if (r < 18) {
      return withoutStop(sentence) + " &amp; <em>" + pick(WORDS) + "</em>.";
    }
    return sentence;
  }

  /** A sentence of common words, about one word in {@link #TOPICAL} from the topic's own vocabulary. */
  private String sentence(Topic topic) {
    StringBuilder s = new StringBuilder();
    int n = 5 + rnd.nextInt(8) + (rnd.nextInt(5) == 0 ? rnd.nextInt(12) : 0);
    for (int i = 0; i < n; i++) {
      String w = rnd.nextDouble() < TOPICAL ? topic.words().get(rnd.nextInt(topic.words().size()))
          : WORDS[words.sample(rnd)];
      s.append(i == 0 ? capital(w) : w).append(i == n - 1 ? "." : " ");
    }
    return s.toString();
  }

  private String pick(String[] from) {
    return from[rnd.nextInt(from.length)];
  }

  private static int count(int[] values, int v) {
    int n = 0;
    for (int x : values) {
      n += x == v ? 1 : 0;
    }
    return n;
  }

  private static String capital(String w) {
    return Character.toUpperCase(w.charAt(0)) + w.substring(1);
  }

  private static String lower(String s) {
    return Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  private static String withoutStop(String s) {
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** Draws 0..n-1 with probability proportional to 1/(i+1)^s, by inverting the cumulative table. */
  static final class Zipf {
    private final double[] cumulative;

    Zipf(int n, double s) {
      cumulative = new double[n];
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += 1 / Math.pow(i + 1, s);
        cumulative[i] = sum;
      }
      for (int i = 0; i < n; i++) {
        cumulative[i] /= sum;
      }
    }

    int sample(SplittableRandom rnd) {
      double u = rnd.nextDouble();
      int i = java.util.Arrays.binarySearch(cumulative, u);
      return Math.min(cumulative.length - 1, i >= 0 ? i : -i - 1);
    }
  }
}
