#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796533486.685369	COciadKwBN3vGVzP8V	127.0.0.10	51413	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch@example.test	-	-	-	-	-	-	-	-	-	-	-	503 Valid RCPT command must precede DATA	127.0.0.1,127.0.0.10	-	F	(empty)	1:NbqKsCaPpzZhOamA5Y1f31OWXio=
1796533486.687346	COciadKwBN3vGVzP8V	127.0.0.10	51413	127.0.0.1	25	1	client.example.test	bob@example.test	root@example.test	Mon, 7 Dec 2026 10:00:00 +0000	<alice@example.test>	<root@example.test>	-	-	<Exim-refused-commands.1796533486@client.example.test>	-	Exim refused commands	-	-	-	250 OK id=1xa4QY-000193-2D	127.0.0.1,127.0.0.10	-	F	(empty)	1:NbqKsCaPpzZhOamA5Y1f31OWXio=
#close	XXXX-XX-XX-XX-XX-XX
