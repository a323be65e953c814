ALTER TABLE `posts` ADD `published_at` text;
