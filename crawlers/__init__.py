"""The Scrapy project: a generic spider driven by site definitions, with address safety checks."""
