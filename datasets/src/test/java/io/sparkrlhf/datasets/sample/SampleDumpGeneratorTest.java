package io.sparkrlhf.datasets.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.datasets.stackexchange.ParsedLine;
import io.sparkrlhf.datasets.stackexchange.PostRowParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleDumpGeneratorTest {
  @TempDir Path dir;
  private final Configuration conf = new Configuration();

  private SampleDumpGenerator.Summary write(String sub, int questions, SampleDumpGenerator.Compression c) {
    return SampleDumpGenerator.write(dir.resolve(sub).toString(),
        new SampleDumpGenerator.Options(SampleDumpGenerator.DEFAULT_SITES, questions, 7L, c, true), conf);
  }

  private static byte[] bytes(String file, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(file);
    var codec = new CompressionCodecFactory(conf).getCodec(p);
    try (InputStream raw = p.getFileSystem(conf).open(p);
        InputStream in = codec == null ? raw : codec.createInputStream(raw)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    }
  }

  @Test
  void sameSeedSameBytesInEveryCompression() throws IOException {
    SampleDumpGenerator.Summary a = write("a", 120, SampleDumpGenerator.Compression.NONE);
    SampleDumpGenerator.Summary b = write("b", 120, SampleDumpGenerator.Compression.NONE);
    SampleDumpGenerator.Summary gz = write("gz", 120, SampleDumpGenerator.Compression.GZIP);
    SampleDumpGenerator.Summary bz = write("bz", 120, SampleDumpGenerator.Compression.BZIP2);
    for (int i = 0; i < a.files().size(); i++) {
      byte[] plain = bytes(a.files().get(i), conf);
      assertArrayEquals(plain, bytes(b.files().get(i), conf));
      assertArrayEquals(plain, bytes(gz.files().get(i), conf));
      assertArrayEquals(plain, bytes(bz.files().get(i), conf));
    }
    assertTrue(bz.files().get(0).endsWith("Posts.xml.bz2"));
  }

  @Test
  void realDumpFormatAndQuirks() throws IOException {
    SampleDumpGenerator.Summary s = write("d", 200, SampleDumpGenerator.Compression.NONE);
    byte[] oldSite = Files.readAllBytes(Path.of(s.files().get(0).replace("file:", "")));
    assertArrayEquals(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, java.util.Arrays.copyOf(oldSite, 3));
    String text = new String(oldSite, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    assertTrue(lines[0].endsWith("?>\r") && lines[1].equals("<posts>\r"));
    for (int i = 0; i < lines.length - 1; i++) {
      assertTrue(lines[i].endsWith("\r"), "CRLF line " + i);
    }
    assertTrue(text.contains("Tags=\"&lt;") && !text.contains("ContentLicense"), "older site: <a><b> tags, no licence");
    String newSite = Files.readString(Path.of(s.files().get(1).replace("file:", "")), StandardCharsets.ISO_8859_1);
    assertTrue(newSite.contains("Tags=\"|") && newSite.contains("ContentLicense=\"CC BY-SA 4.0\""));
    assertTrue(text.contains("&lt;pre class=&quot;lang-python&quot;&gt;&lt;code&gt;"), "escaped code blocks");
  }

  @Test
  void malformedRowsAndAPlantedSignalThatOnlyReadingTheQuestionReveals() throws IOException {
    SampleDumpGenerator.Summary s = write("p", 400, SampleDumpGenerator.Compression.NONE);
    PostRowParser parser = new PostRowParser(1_000_000);
    long bad = 0;
    Map<String, String> topicOf = new HashMap<>(); // "file question-id" -> topic: ids restart per site
    Map<ParsedLine.Post, String> answers = new java.util.LinkedHashMap<>(); // answer -> "file parent-id"
    for (String file : s.files()) {
      byte[] all = bytes(file, conf);
      int start = 0;
      for (int i = 0; i <= all.length; i++) {
        if (i == all.length || all[i] == '\n') {
          var decoder = StandardCharsets.UTF_8.newDecoder();
          ParsedLine parsed;
          try {
            parsed = parser.parse(decoder.decode(java.nio.ByteBuffer.wrap(all, start, i - start)).toString());
          } catch (java.nio.charset.CharacterCodingException e) {
            parsed = new ParsedLine.Bad(PostRowParser.INVALID_UTF8, "");
          }
          start = i + 1;
          if (parsed instanceof ParsedLine.Bad) {
            bad++;
          } else if (parsed instanceof ParsedLine.Post p && p.isQuestion()) {
            topicOf.put(file + " " + p.id(), p.tags().get(0));
          } else if (parsed instanceof ParsedLine.Post p && p.postTypeId() == 2 && !p.body().isBlank()) {
            answers.put(p, file + " " + p.parentId());
          }
        }
      }
    }
    assertEquals(s.malformedRows(), bad);
    assertEquals(SampleDumpGenerator.MALFORMED_PER_SITE * 2L, bad);
    // upvoted answers name their question's topic; unvoted ones (bar the verbatim duplicates) name another
    List<ParsedLine.Post> upvoted = new ArrayList<>();
    List<ParsedLine.Post> unvoted = new ArrayList<>();
    Map<ParsedLine.Post, String> topics = new HashMap<>();
    for (var e : answers.entrySet()) {
      ParsedLine.Post a = e.getKey();
      String topic = topicOf.get(e.getValue());
      if (topic == null) {
        continue; // the orphan
      }
      topics.put(a, topic);
      (a.score() > 0 ? upvoted : unvoted).add(a);
      boolean onTopic = a.body().toLowerCase(java.util.Locale.ROOT).contains(topic);
      assertTrue(a.score() > 0 ? onTopic : !onTopic || s.duplicateAnswers() > 0, a.body());
    }
    long offButOnTopic = unvoted.stream().filter(a -> a.body().toLowerCase(java.util.Locale.ROOT).contains(topics.get(a))).count();
    assertTrue(offButOnTopic <= s.duplicateAnswers(), offButOnTopic + " unvoted on-topic answers");
    assertTrue(upvoted.size() > 300 && unvoted.size() > 300, upvoted.size() + " / " + unvoted.size());
    // and the two kinds look alike on the surface
    double lengthUp = upvoted.stream().mapToInt(a -> a.body().length()).average().orElseThrow();
    double lengthUn = unvoted.stream().mapToInt(a -> a.body().length()).average().orElseThrow();
    assertEquals(1.0, lengthUp / lengthUn, 0.1, "mean length " + lengthUp + " vs " + lengthUn);
    double codeUp = upvoted.stream().filter(a -> a.body().contains("```")).count() / (double) upvoted.size();
    double codeUn = unvoted.stream().filter(a -> a.body().contains("```")).count() / (double) unvoted.size();
    assertEquals(codeUp, codeUn, 0.08, "share with code blocks");
    assertTrue(codeUp > 0.2, "code blocks are there: " + codeUp);
  }
}
