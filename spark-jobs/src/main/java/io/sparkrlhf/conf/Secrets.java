package io.sparkrlhf.conf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What must never be shown: the values of configuration keys that look secret ({@code secret},
 * {@code password}, {@code token}, {@code access.key}, {@code session}, any case), and credentials
 * written into a URI ({@code s3a://KEY:SECRET@bucket/...}). Messages and dumps pass through
 * {@link #redact}; a URI with credentials is refused by {@link #refuseCredentialsInUri}.
 */
public final class Secrets {
  public static final String REDACTED = "<redacted>";

  /** "token" but not "tokens" or "tokenizer": max-new-tokens and tokenizer.path are not secrets. */
  private static final String SECRET_WORD = "secret|passw(?:or)?d|token(?!s|i[sz])|access[._-]?key|session";
  private static final Pattern SECRET_KEY = Pattern.compile("(?i)(" + SECRET_WORD + ")");
  /** key=value, key: value, "key" = "value" (HOCON, Spark and Hadoop settings, command-line overrides). */
  private static final Pattern ASSIGNMENT = Pattern.compile(
      "(?i)([\\w.\\-\"]*(?:" + SECRET_WORD + ")[\\w.\\-\"]*\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s'\"]+)");
  /** scheme:// and the rest of the URI, up to a blank or a quote. */
  private static final Pattern URI = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.\\-]*://)([^\\s'\"]*)");

  private Secrets() {}

  /** Whether the value of {@code key} is a secret, by its name. */
  public static boolean isSecretKey(String key) {
    return SECRET_KEY.matcher(key).find();
  }

  /** {@code value} as it may be shown under {@code key}. */
  public static String redactValue(String key, String value) {
    return isSecretKey(key) ? REDACTED : redact(value);
  }

  /** {@code text} with the values of secret-looking assignments and the credentials in URIs replaced. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = ASSIGNMENT.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + REDACTED));
    return URI.matcher(out).replaceAll(m -> {
      int end = credentialsEnd(m.group(2));
      return Matcher.quoteReplacement(end < 0 ? m.group() : m.group(1) + REDACTED + m.group(2).substring(end));
    });
  }

  /**
   * Where the credentials at the start of a URI's {@code rest} (what follows "scheme://") end, or −1
   * if it has none: user info before an '@' in the authority, or a "host:port" whose port is not a
   * number, as when a secret with a '/' in it ends the authority early ({@code s3a://KEY:ab/cd@bucket}).
   */
  private static int credentialsEnd(String rest) {
    int authorityEnd = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = rest.indexOf(c);
      if (i >= 0 && i < authorityEnd) {
        authorityEnd = i;
      }
    }
    String authority = rest.substring(0, authorityEnd);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      return at;
    }
    String hostPort = authority.startsWith("[") ? authority.substring(authority.indexOf(']') + 1) : authority;
    int colon = hostPort.lastIndexOf(':');
    if (colon >= 0 && !hostPort.substring(colon + 1).matches("\\d*")) {
      int next = rest.indexOf('@');
      return next >= 0 ? next : rest.length();
    }
    return -1;
  }

  /**
   * A {@code key=value} assignment (a command-line override) as it may be shown: the value redacted
   * when the key looks secret, else only the credentials in its URIs. Without {@code =}, what follows
   * the key's first blank or colon counts as its value.
   */
  public static String redactAssignment(String assignment) {
    Matcher m = Pattern.compile("=|:|\\s").matcher(assignment);
    if (!m.find()) {
      return assignment;
    }
    String key = assignment.substring(0, m.start());
    String value = assignment.substring(m.end());
    return key + m.group() + (isSecretKey(key) ? REDACTED : redact(value));
  }

  /** Whether {@code value} holds a URI with credentials in it. */
  public static boolean hasCredentialsInUri(String value) {
    if (value == null) {
      return false;
    }
    Matcher m = URI.matcher(value);
    while (m.find()) {
      if (credentialsEnd(m.group(2)) >= 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses a URI with credentials in it, naming {@code where} it was set and showing it redacted,
   * before any filesystem sees it (Hadoop prints such URIs in warnings).
   */
  public static void refuseCredentialsInUri(String where, String value) {
    if (hasCredentialsInUri(value)) {
      throw new IllegalArgumentException(where + ": credentials inside a URI are refused (" + redact(value)
          + "); give them to the filesystem instead, e.g. spark.hadoop.fs.s3a.access.key and secret.key, "
          + "the AWS_* environment variables or a credentials provider");
    }
  }
}
