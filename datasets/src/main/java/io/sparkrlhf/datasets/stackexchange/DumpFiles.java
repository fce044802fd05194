package io.sparkrlhf.datasets.stackexchange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Finds the {@code Posts.xml} files of a dump: each input is a file, a glob, or a directory searched
 * recursively for {@code Posts.xml}, {@code Posts.xml.gz} or {@code Posts.xml.bz2}. The site is the
 * name of the folder holding the file ({@code .../superuser.com/Posts.xml} is {@code superuser.com}).
 */
public final class DumpFiles {
  private static final Pattern POSTS = Pattern.compile("(?i)posts\\.xml(\\.gz|\\.bz2)?");

  public record DumpFile(String path, String site, long bytes) {}

  private DumpFiles() {}

  public static List<DumpFile> find(List<String> inputs, Configuration conf) {
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("no input paths given");
    }
    List<DumpFile> files = new ArrayList<>();
    try {
      for (String input : inputs) {
        Path path = new Path(input);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] matched = fs.globStatus(path);
        if (matched == null || matched.length == 0) {
          throw new IllegalArgumentException("input path does not exist: " + input);
        }
        int before = files.size();
        for (FileStatus status : matched) {
          if (status.isFile()) {
            files.add(dumpFile(status));
          } else {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
            while (it.hasNext()) {
              LocatedFileStatus f = it.next();
              if (POSTS.matcher(f.getPath().getName()).matches()) {
                files.add(dumpFile(f));
              }
            }
          }
        }
        if (files.size() == before) {
          throw new IllegalArgumentException(
              "no Posts.xml, Posts.xml.gz or Posts.xml.bz2 found under input path " + input);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list input paths " + inputs + ": " + e.getMessage(), e);
    }
    Map<String, String> seen = new HashMap<>();
    for (DumpFile f : files) {
      String other = seen.putIfAbsent(f.site(), f.path());
      if (other != null) {
        throw new IllegalArgumentException(
            "site '" + f.site() + "' appears twice in the input (" + other + " and " + f.path()
                + "): question ids would collide; give each site once");
      }
    }
    return files;
  }

  private static DumpFile dumpFile(FileStatus status) {
    Path p = status.getPath();
    Path parent = p.getParent();
    String site = parent == null || parent.getName().isEmpty() ? "unknown" : parent.getName();
    return new DumpFile(p.toString(), site, status.getLen());
  }
}
