package io.sparkrlhf.jobs.prepare;

import io.sparkrlhf.datasets.prepare.PrepareOptions;
import io.sparkrlhf.datasets.prepare.QuestionThread;
import io.sparkrlhf.datasets.stackexchange.ParsedLine;
import io.sparkrlhf.datasets.stackexchange.PostRowParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The prepare recipe with no Spark: read each plain Posts.xml line by line, parse, group answers
 * under questions in maps, run {@link QuestionThread}. The Spark job must agree with it exactly.
 */
final class SingleProcessReference {
  private SingleProcessReference() {}

  /** Results keyed by "site/qid" (orphans included, keyed by their missing question). */
  static Map<String, QuestionThread.Result> run(List<Path> postsFiles, PrepareOptions options) throws IOException {
    PostRowParser parser = new PostRowParser(options.maxRowChars());
    Map<String, QuestionThread.Question> questions = new LinkedHashMap<>();
    Map<String, List<QuestionThread.Answer>> answers = new HashMap<>();
    for (Path file : postsFiles) {
      String site = file.getParent().getFileName().toString();
      byte[] all = Files.readAllBytes(file);
      int start = 0;
      for (int i = 0; i <= all.length; i++) {
        if (i < all.length && all[i] != '\n') {
          continue;
        }
        String line;
        try {
          line = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(all, start, i - start)).toString();
        } catch (CharacterCodingException e) {
          start = i + 1;
          continue;
        }
        start = i + 1;
        if (parser.parse(line) instanceof ParsedLine.Post p) {
          if (p.isQuestion()) {
            questions.put(site + "/" + p.id(), new QuestionThread.Question(site, p.id(), p.title(), p.body(), p.acceptedAnswerId()));
          } else {
            answers.computeIfAbsent(site + "/" + p.parentId(), k -> new ArrayList<>())
                .add(new QuestionThread.Answer(p.id(), p.score(), p.body()));
          }
        }
      }
    }
    QuestionThread recipe = new QuestionThread(options);
    Map<String, QuestionThread.Result> out = new LinkedHashMap<>();
    for (Map.Entry<String, QuestionThread.Question> q : questions.entrySet()) {
      out.put(q.getKey(), recipe.fromAnswers(q.getValue(), answers.getOrDefault(q.getKey(), List.of())));
    }
    for (Map.Entry<String, List<QuestionThread.Answer>> a : answers.entrySet()) {
      if (!questions.containsKey(a.getKey())) {
        String[] siteAndId = a.getKey().split("/");
        out.put(a.getKey(), recipe.orphans(siteAndId[0], Long.parseLong(siteAndId[1]), a.getValue().size()));
      }
    }
    return out;
  }
}
