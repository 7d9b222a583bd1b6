#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]
1795387403.688373	CbySuo4q5ZINaKHCXx	127.0.0.1	58748	127.0.0.2	25	1	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	-	-	-	-	-	-	-	-	-	-	-	221 Bye	127.0.0.2,127.0.0.1	-	F	(empty)
1795387403.689307	CtOBlMknZeW9XlCdPn	127.0.0.1	58762	127.0.0.2	25	1	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	-	-	-	-	-	-	-	-	-	-	-	221 Bye	127.0.0.2,127.0.0.1	-	F	(empty)
1795387403.708481	CaajTF6KIEXNg4W8oh	127.0.0.1	48656	127.0.0.3	25	1	source.example	sender@source.example	3rcpt@sink.example,2rcpt@sink.example,rcpt@sink.example	-	-	-	-	-	-	-	-	-	-	-	250 2.1.0 Ok	127.0.0.3,127.0.0.1	-	F	(empty)
1795387403.709764	CaajTF6KIEXNg4W8oh	127.0.0.1	48656	127.0.0.3	25	1	source.example	sender@source.example	3rcpt@sink.example,2rcpt@sink.example,rcpt@sink.example	-	-	-	-	-	-	-	-	-	-	-	221 Bye	127.0.0.3,127.0.0.1	-	F	(empty)
1795387403.729080	CYVkGpidKPKgOMbLQZ	127.0.0.1	33354	127.0.0.4	25	1	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	Sun, 22 Nov 2026 22:43:23 +0000 (UTC)	<sender@source.example>	<rcpt@sink.example>	-	-	<23ce.0003.0001@source.example>	-	smtpscope capture	-	-	-	421 4.0.0 Server closing connection	127.0.0.4,127.0.0.1	-	F	(empty)
1795387403.730280	CVeisY3RJOxho5q3Qm	127.0.0.1	33366	127.0.0.4	25	1	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	Sun, 22 Nov 2026 22:43:23 +0000 (UTC)	<sender@source.example>	<rcpt@sink.example>	-	-	<23ce.0003.0000@source.example>	-	smtpscope capture	-	-	-	421 4.0.0 Server closing connection	127.0.0.4,127.0.0.1	-	F	(empty)
1795387403.748768	CwAMtlsPwfMK5zE48w	127.0.0.1	38220	127.0.0.5	25	1	source.example	sender@source.example	2rcpt@sink.example	-	-	-	-	-	-	-	-	-	-	-	250 2.1.0 Ok	127.0.0.5,127.0.0.1	-	F	(empty)
1795387404.769189	CZDqtYHF7s6lJXD3oJ	127.0.0.1	37964	127.0.0.6	25	1	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	Sun, 22 Nov 2026 22:43:24 +0000 (UTC)	<sender@source.example>	<rcpt@sink.example>	-	-	<23e4.0003.0001@source.example>	-	smtpscope capture	-	-	-	500 5.3.0 Error: command failed	127.0.0.6,127.0.0.1	-	F	(empty)
1795387404.770383	CZDqtYHF7s6lJXD3oJ	127.0.0.1	37964	127.0.0.6	25	2	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	Sun, 22 Nov 2026 22:43:24 +0000 (UTC)	<sender@source.example>	<rcpt@sink.example>	-	-	<23e4.0003.0000@source.example>	-	smtpscope capture	-	-	-	500 5.3.0 Error: command failed	127.0.0.6,127.0.0.1	-	F	(empty)
1795387404.790105	CoYKTE2qwqcz4H4NC1	127.0.0.1	47418	127.0.0.7	25	1	source.example	sender@source.example	-	-	-	-	-	-	-	-	-	-	-	-	221 Bye	127.0.0.7,127.0.0.1	-	F	(empty)
1795387404.809608	CX4N0crnTbX5Jqpb8o	127.0.0.1	56946	127.0.0.8	25	1	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	Sun, 22 Nov 2026 22:43:24 +0000 (UTC)	<sender@source.example>	<rcpt@sink.example>	-	-	<23e8.0003.0001@source.example>	-	smtpscope capture	-	-	-	250 2.0.0 Ok	127.0.0.8,127.0.0.1	-	F	(empty)
1795387404.810692	CX4N0crnTbX5Jqpb8o	127.0.0.1	56946	127.0.0.8	25	2	source.example	sender@source.example	2rcpt@sink.example,rcpt@sink.example	Sun, 22 Nov 2026 22:43:24 +0000 (UTC)	<sender@source.example>	<rcpt@sink.example>	-	-	<23e8.0003.0000@source.example>	-	smtpscope capture	-	-	-	250 2.0.0 Ok	127.0.0.8,127.0.0.1	-	F	(empty)
#close	XXXX-XX-XX-XX-XX-XX
