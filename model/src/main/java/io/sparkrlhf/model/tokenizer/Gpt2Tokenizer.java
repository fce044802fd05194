package io.sparkrlhf.model.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE ({@code r50k_base}, 50 257 tokens), the embedded default: its vocabulary
 * ships inside the jtokkit jar, so it needs no file and no network.
 *
 * <p>BPE runs inside each piece of GPT-2's pre-tokenising split and never across pieces, so a
 * piece's ids do not depend on its neighbours: {@link #encode} splits the text as {@code r50k_base}
 * does and looks each piece up in a per-thread cache before running jtokkit's merges on it (as
 * Hugging Face's BPE caches words). Prose repeats its words, so most pieces are hits.
 */
public final class Gpt2Tokenizer implements TextTokenizer {

  /** {@code <|endoftext|>}. */
  public static final int EOS_TOKEN_ID = 50256;

  public static final String EOS_TOKEN = "<|endoftext|>";

  private static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();

  /** {@code r50k_base}'s pre-tokenising split, as jtokkit compiles it (Unicode character classes). */
  static final Pattern PIECES = Pattern.compile(
      "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);

  /** Entries per thread before the cache starts over: about 4 MB of short strings and ids. */
  private static final int CACHE_ENTRIES = 1 << 15;

  /** Pieces longer than this go to jtokkit uncached: long runs rarely repeat. */
  private static final int MAX_CACHED_CHARS = 64;

  private static final ThreadLocal<Map<String, int[]>> PIECE_IDS = ThreadLocal.withInitial(HashMap::new);

  private final Encoding encoding;

  private Gpt2Tokenizer() {
    this.encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
  }

  public static Gpt2Tokenizer instance() {
    return INSTANCE;
  }

  @Override
  public String name() {
    return "gpt2/r50k_base";
  }

  @Override
  public int[] encode(String text) {
    Map<String, int[]> cache = PIECE_IDS.get();
    int[] out = new int[Math.max(16, text.length() / 3)];
    int n = 0;
    Matcher m = PIECES.matcher(text);
    while (m.find()) {
      int[] ids;
      if (m.end() - m.start() > MAX_CACHED_CHARS) {
        ids = encoding.encodeOrdinary(text.substring(m.start(), m.end())).toArray();
      } else {
        String piece = text.substring(m.start(), m.end());
        ids = cache.get(piece);
        if (ids == null) {
          ids = encoding.encodeOrdinary(piece).toArray();
          if (cache.size() >= CACHE_ENTRIES) {
            cache.clear();
          }
          cache.put(piece, ids);
        }
      }
      if (n + ids.length > out.length) {
        out = Arrays.copyOf(out, Math.max(2 * out.length, n + ids.length));
      }
      System.arraycopy(ids, 0, out, n, ids.length);
      n += ids.length;
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** jtokkit on the whole text, without the piece cache: the reference {@link #encode} must equal. */
  int[] encodeUncached(String text) {
    return encoding.encodeOrdinary(text).toArray();
  }

  @Override
  public String decode(int[] ids) {
    IntArrayList list = new IntArrayList(ids.length);
    for (int id : ids) {
      list.add(id);
    }
    return encoding.decode(list);
  }

  /** The bytes token {@code id} stands for. */
  public byte[] tokenBytes(int id) {
    IntArrayList one = new IntArrayList(1);
    one.add(id);
    return encoding.decodeBytes(one);
  }

  @Override
  public int eosTokenId() {
    return EOS_TOKEN_ID;
  }

  @Override
  public int vocabSize() {
    return EOS_TOKEN_ID + 1;
  }
}
